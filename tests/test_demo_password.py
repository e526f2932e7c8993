"""The demo accounts' stored hash is a hash of the printed demo password, by the hasher in force."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher

from lgcloud.platform.demo import loader


def test_the_stored_demo_hash_verifies_the_demo_password() -> None:
    assert identify_hasher(loader.DEMO_PASSWORD_HASH).algorithm == "argon2"
    assert check_password(loader.DEMO_PASSWORD, loader.DEMO_PASSWORD_HASH)
    assert not check_password(loader.DEMO_PASSWORD + "x", loader.DEMO_PASSWORD_HASH)


def test_the_demo_accounts_get_a_hash_the_hasher_in_force_accepts() -> None:
    loader._demo_password_hash.cache_clear()
    try:
        stored = loader._demo_password_hash()
        assert check_password(loader.DEMO_PASSWORD, stored)
        assert identify_hasher(stored).algorithm == get_hasher().algorithm
    finally:
        loader._demo_password_hash.cache_clear()


def test_with_the_production_hashers_the_stored_hash_is_used() -> None:
    from django.test import override_settings

    from lgcloud import settings as production_settings

    loader._demo_password_hash.cache_clear()
    try:
        with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
            assert loader._demo_password_hash() == loader.DEMO_PASSWORD_HASH
    finally:
        loader._demo_password_hash.cache_clear()
