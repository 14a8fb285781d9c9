from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from calanque.directory import actions, queries, vcards
from calanque.directory.access import (
    get_contact_for_user,
    get_group_for_user,
    get_staff_for_user,
    get_staff_list_for_user,
)
from calanque.directory.forms import AddMembersForm, ContactForm, GroupForm, ImportForm, NotesForm


def _text(request, name="q", limit=100) -> str:
    return request.GET.get(name, "").replace("\x00", "").strip()[:limit]


# gunicorn refuses a request line over 4 094 bytes.
MAX_LINK_LENGTH = 4000


def compose_url(addresses: list[str]) -> str | None:
    """The compose page with these recipients in « À », or None when the
    link would be too long to be followed."""
    url = reverse("webmail:compose") + "?" + urlencode({"to": ", ".join(addresses)})
    return url if len(url) <= MAX_LINK_LENGTH else None


def _vcf_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _group_names(contact) -> list[str]:
    return [g.name for g in contact.groups.all()]


@login_required
def search(request):
    text = _text(request)
    page = None
    if text:
        page = Paginator(queries.search_staff(request.user.academy, text), 25).get_page(request.GET.get("page"))
    groups = queries.list_groups(request.user) if page and page.object_list else []
    return render(request, "directory/search.html", {"q": text, "page": page, "groups": groups, "tab": "search"})


@login_required
def suggestions(request):
    """Addresses for the compose form's autocomplete (10 at most): the
    user's groups (``email`` holds all the group's addresses), their contacts,
    then the annuaire. ``label`` is what the list shows; ``kind`` is
    « groupe », « contact » or « annuaire »."""
    found = queries.suggestions(request.user, _text(request))
    return JsonResponse({"results": [{"email": s.email, "label": s.label, "kind": s.kind} for s in found]})


@login_required
def card(request, staff_id):
    person = get_staff_for_user(request.user, staff_id)
    contact = queries.contact_with_address(request.user, person.email)
    return render(request, "directory/card.html", {
        "person": person, "contact": contact, "write_url": compose_url([person.email]), "tab": "search"})


@login_required
def staff_vcard(request, staff_id):
    person = get_staff_for_user(request.user, staff_id)
    return _vcf_response(vcards.write_vcards([vcards.entry_for_staff(person)]), f"{person.identifier}.vcf")


@login_required
@require_POST
def add_staff_contact(request, staff_id):
    person = get_staff_for_user(request.user, staff_id)
    try:
        contact, created = actions.do_add_staff_contact(request.user, person)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("directory:card", person.pk)
    if created:
        messages.success(request, _("%(name)s a été ajouté(e) à vos contacts.") % {"name": person.get_full_name()})
    else:
        messages.info(request, _("%(name)s est déjà dans vos contacts.") % {"name": person.get_full_name()})
    return redirect("directory:card", person.pk)


@login_required
@require_POST
def add_found(request):
    """« Ajouter la sélection à mes contacts » under the search results."""
    back = reverse("directory:search") + "?" + urlencode({"q": request.POST.get("q", "")[:100],
                                                        "page": request.POST.get("page", "1")[:6]})
    people = get_staff_list_for_user(request.user, request.POST.getlist("personnes"))
    group = get_group_for_user(request.user, request.POST["groupe"]) if request.POST.get("groupe") else None
    if not people:
        messages.error(request, _("Cochez au moins une personne."))
        return redirect(back)
    try:
        added = actions.do_add_staff_contacts(request.user, people, group)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(back)
    if group is not None:
        messages.success(request, _("%(added)d contact(s) ajouté(s) ; la sélection est dans le groupe « %(group)s ».")
                         % {"added": added, "group": group.name})
    else:
        messages.success(request, _("%(added)d contact(s) ajouté(s).") % {"added": added})
    return redirect(back)


@login_required
def contacts(request):
    text = _text(request)
    page = Paginator(queries.list_contacts(request.user, text), 50).get_page(request.GET.get("page"))
    return render(request, "directory/contacts.html", {
        "q": text, "page": page, "groups": queries.list_groups(request.user), "group_form": GroupForm(),
        "tab": "contacts"})


@login_required
@require_http_methods(["GET", "POST"])
def add_contact(request):
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = actions.do_add_contact(request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(request, _("%(name)s a été ajouté(e) à vos contacts.") % {"name": contact.display_name})
            return redirect("directory:contacts")
    return render(request, "directory/contact_form.html", {"form": form, "tab": "contacts"},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def edit_contact(request, contact_id):
    contact = get_contact_for_user(request.user, contact_id)
    form_class = NotesForm if contact.staff_id else ContactForm
    initial = {"name": contact.name, "email": contact.email, "notes": contact.notes}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {**initial, **form.cleaned_data}
        try:
            actions.do_update_contact(request.user, contact, **values)
        except ValidationError as error:
            form.add_error("email" if "email" in form.fields else None, error)
        else:
            messages.success(request, _("Contact enregistré."))
            return redirect("directory:contacts")
    return render(request, "directory/contact_form.html", {
        "form": form, "contact": contact, "write_url": compose_url([contact.email]), "tab": "contacts"},
        status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def delete_contact(request, contact_id):
    contact = get_contact_for_user(request.user, contact_id)
    if request.method == "POST":
        actions.do_delete_contact(request.user, contact)
        messages.success(request, _("%(name)s a été retiré(e) de vos contacts.") % {"name": contact.display_name})
        return redirect("directory:contacts")
    return render(request, "directory/confirm_delete.html", {"contact": contact, "tab": "contacts"})


@login_required
def contact_vcard(request, contact_id):
    contact = get_contact_for_user(request.user, contact_id)
    entry = vcards.entry_for_contact(contact, _group_names(contact))
    return _vcf_response(vcards.write_vcards([entry]), f"{slugify(contact.display_name) or 'contact'}.vcf")


@login_required
def export_contacts(request):
    entries = [vcards.entry_for_contact(c, _group_names(c)) for c in queries.list_contacts(request.user)]
    return _vcf_response(vcards.write_vcards(entries), "contacts.vcf")


@login_required
@require_http_methods(["GET", "POST"])
def import_contacts(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = actions.do_import_vcards(request.user, form.cleaned_data["file"].read())
        if not report.errors:
            messages.success(request, _("Import terminé : %(created)d contact(s) ajouté(s), %(already)d déjà présent(s).")
                             % {"created": report.created, "already": report.already})
            for line in report.skipped[:20]:
                messages.warning(request, line)
            return redirect("directory:contacts")
    failed = request.method == "POST" and (not form.is_valid() or bool(report and report.errors))
    return render(request, "directory/import.html", {"form": form, "report": report, "tab": "contacts"},
                  status=400 if failed else 200)


@login_required
@require_http_methods(["GET", "POST"])
def create_group(request):
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = actions.do_create_group(request.user, form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, _("Groupe « %(name)s » créé.") % {"name": group.name})
            return redirect("directory:group", group.pk)
    return render(request, "directory/group_form.html", {"form": form, "tab": "contacts"},
                  status=400 if request.method == "POST" else 200)


def _group_page(request, group, add_form=None, status=200):
    members = list(queries.group_members(group))
    candidates = queries.list_contacts(request.user).exclude(pk__in=[m.pk for m in members])
    return render(request, "directory/group.html", {
        "group": group, "members": members,
        "add_form": add_form or AddMembersForm(candidates=candidates),
        "has_candidates": candidates.exists(),
        "write_url": compose_url([m.email for m in members]) if members else None,
        "addresses": ", ".join(m.email for m in members), "tab": "contacts"},
        status=status)


@login_required
def group(request, group_id):
    return _group_page(request, get_group_for_user(request.user, group_id))


@login_required
@require_POST
def add_group_members(request, group_id):
    group = get_group_for_user(request.user, group_id)
    candidates = queries.list_contacts(request.user).exclude(groups=group)
    form = AddMembersForm(request.POST, candidates=candidates)
    if form.is_valid():
        try:
            actions.do_add_group_members(request.user, group, list(form.cleaned_data["contacts"]))
        except ValidationError as error:
            form.add_error("contacts", error)
        else:
            messages.success(request, _("Membres ajoutés au groupe."))
            return redirect("directory:group", group.pk)
    return _group_page(request, group, add_form=form, status=400)


@login_required
@require_POST
def remove_group_member(request, group_id, contact_id):
    group = get_group_for_user(request.user, group_id)
    contact = get_contact_for_user(request.user, contact_id)
    actions.do_remove_group_member(request.user, group, contact)
    messages.success(request, _("%(name)s a été retiré(e) du groupe.") % {"name": contact.display_name})
    return redirect("directory:group", group.pk)


@login_required
@require_http_methods(["GET", "POST"])
def rename_group(request, group_id):
    group = get_group_for_user(request.user, group_id)
    form = GroupForm(request.POST or None, initial={"name": group.name})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_rename_group(request.user, group, form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, _("Groupe renommé."))
            return redirect("directory:group", group.pk)
    return render(request, "directory/group_form.html", {"form": form, "group": group, "tab": "contacts"},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def delete_group(request, group_id):
    group = get_group_for_user(request.user, group_id)
    if request.method == "POST":
        actions.do_delete_group(request.user, group)
        messages.success(request, _("Groupe « %(name)s » supprimé ; ses membres restent dans vos contacts.")
                         % {"name": group.name})
        return redirect("directory:contacts")
    return render(request, "directory/confirm_delete.html", {"group": group, "tab": "contacts"})


@login_required
def group_vcard(request, group_id):
    group = get_group_for_user(request.user, group_id)
    entries = [vcards.entry_for_contact(c, [group.name]) for c in queries.group_members(group)]
    return _vcf_response(vcards.write_vcards(entries), f"{slugify(group.name) or 'groupe'}.vcf")
