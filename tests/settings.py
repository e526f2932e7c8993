"""Test settings: the platform's settings plus a small scoped app that exercises the scoping layer."""

from lgcloud.settings import *  # noqa: F403
from lgcloud.settings import INSTALLED_APPS, PASSWORD_HASHERS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]
ROOT_URLCONF = "tests.urls"
# Argon2 stays configured (a test checks it); a fast hasher first keeps fixtures quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
# Deferred documents are built in the test's own process unless a test asks for the forked worker.
LGCLOUD_DOCUMENT_WORKER = False
