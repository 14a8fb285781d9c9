from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from calanque.directory.queries import search_staff


@login_required
def search(request):
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    page = None
    if text:
        page = Paginator(search_staff(request.user.academy, text), 25).get_page(request.GET.get("page"))
    return render(request, "directory/search.html", {"q": text, "page": page})
