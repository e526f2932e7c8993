from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.web.decorators import require_cap
from tests.testapp.models import Note


@require_cap(Cap.PERSONAL_DATA)
def note_list(request: HttpRequest) -> HttpResponse:
    notes = list(Note.objects.values("id", "subject", "body"))
    audit.record("testapp.note_list", object_type="Note", purpose="test")
    return JsonResponse({"notes": notes})


@require_cap(Cap.PERSONAL_DATA)
def note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Note, pk=pk)
    audit.record("testapp.note_read", obj=note, purpose="test")
    return JsonResponse({"id": note.pk, "subject": note.subject, "body": note.body})


urlpatterns = [
    path("notes/", note_list),
    path("notes/<int:pk>/", note_detail),
]
