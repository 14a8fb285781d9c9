from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render

from calanque.directory.queries import search_staff


@login_required
def search(request):
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    page = None
    if text:
        page = Paginator(search_staff(request.user.academy, text), 25).get_page(request.GET.get("page"))
    return render(request, "directory/search.html", {"q": text, "page": page})


@login_required
def suggestions(request):
    """Addresses for the compose form's autocomplete (10 at most)."""
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    people = search_staff(request.user.academy, text)[:10] if len(text) >= 2 else []
    return JsonResponse({"results": [
        {"email": p.email, "label": f"{p.first_name} {p.last_name} — {p.function}"
                                    + (f", {p.establishment.name}" if p.establishment else "")}
        for p in people]})
