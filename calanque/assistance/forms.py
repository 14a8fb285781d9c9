from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calanque.assistance.files import MAX_FILES, FileRefused, check
from calanque.assistance.models import Category, Status, TeamNotice, TeamSettings, Urgency
from calanque.core.forms import DsfrFormMixin
from calanque.webmail.forms import MultipleFileField


class FilesMixin:
    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("%(n)d fichiers au plus.") % {"n": MAX_FILES})
        checked = []
        for upload in files:
            try:
                checked.append(check(upload.name, upload.read()))
            except FileRefused as refused:
                raise forms.ValidationError(str(refused)) from None
        return checked


class TicketForm(FilesMixin, DsfrFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("Catégorie"), choices=Category.choices)
    subject = forms.CharField(label=_("Titre de la demande"), max_length=200,
                              error_messages={"required": _("Donnez un titre à votre demande.")})
    body = forms.CharField(label=_("Description"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}),
                           error_messages={"required": _("Décrivez votre problème.")})
    urgency = forms.ChoiceField(label=_("Urgence"), choices=Urgency.choices, initial=Urgency.NORMAL)
    files = MultipleFileField(label=_("Captures d'écran ou fichiers"), required=False,
                              help_text=_("Images, PDF ou textes ; 5 fichiers de 10 Mo au plus."))
    share_context = forms.BooleanField(
        label=_("Joindre les informations techniques utiles (navigateur, taille de l'écran, page d'origine, "
                "espace utilisé, derniers échecs de connexion)"), required=False, initial=True)
    screen = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    origin = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)


class AnonymousTicketForm(DsfrFormMixin, forms.Form):
    identifier = forms.CharField(label=_("Identifiant"), max_length=254, help_text=_("prenom.nom"))
    numen = forms.CharField(label=_("NUMEN"), max_length=20,
                            help_text=_("Il permet à l'agent de vérifier votre identité ; il ne vous sera jamais "
                                        "affiché ni renvoyé."),
                            widget=forms.PasswordInput(attrs={"autocomplete": "off"}))
    contact_email = forms.EmailField(label=_("Adresse où vous répondre"), max_length=254)
    category = forms.ChoiceField(label=_("Catégorie"), choices=Category.choices, initial=Category.OTP)
    subject = forms.CharField(label=_("Titre de la demande"), max_length=200)
    body = forms.CharField(label=_("Description"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))


class ReplyForm(FilesMixin, DsfrFormMixin, forms.Form):
    body = forms.CharField(label=_("Votre message"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}),
                           error_messages={"required": _("Écrivez un message.")})
    files = MultipleFileField(label=_("Fichiers"), required=False)


class AgentReplyForm(ReplyForm):
    internal = forms.BooleanField(label=_("Note interne (invisible pour l'usager)"), required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)


class UrgencyForm(forms.Form):
    urgency = forms.ChoiceField(choices=Urgency.choices)


class IncidentForm(DsfrFormMixin, forms.Form):
    title = forms.CharField(label=_("Incident (titre)"), max_length=200)
    text = forms.CharField(label=_("Détail"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    ends_at = forms.DateTimeField(label=_("Fin prévue"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def clean_ends_at(self):
        if self.cleaned_data["ends_at"] <= timezone.now():
            raise forms.ValidationError(_("La fin prévue doit être dans le futur."))
        return self.cleaned_data["ends_at"]


class QueueFilterForm(forms.Form):
    """The queue's filters (GET); anything unexpected falls back to the default."""

    etat = forms.CharField(required=False)
    categorie = forms.ChoiceField(required=False, choices=[("", _("Toutes"))] + Category.choices)
    urgence = forms.ChoiceField(required=False, choices=[("", _("Toutes"))] + Urgency.choices)
    moi = forms.BooleanField(required=False)
    libres = forms.BooleanField(required=False)
    retard = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=100)
    tri = forms.ChoiceField(required=False, choices=[
        ("recentes", _("Mises à jour récemment")), ("anciennes", _("Les plus anciennes d'abord")),
        ("echeance", _("Échéance la plus proche")), ("urgence", _("Les plus urgentes d'abord"))])

    def filter(self):
        from calanque.assistance.queries import QueueFilter

        self.is_valid()  # an invalid field is ignored, the others still filter
        data = self.cleaned_data
        status = data.get("etat") or "ouvertes"
        return QueueFilter(
            status=status if status in ["ouvertes", "toutes", *Status.values] else "ouvertes",
            category=data.get("categorie", ""), urgency=data.get("urgence", ""), mine=data.get("moi", False),
            unassigned=data.get("libres", False), late=data.get("retard", False),
            text=data.get("q", "").replace("\x00", "").strip(), sort=data.get("tri") or "recentes")


class CannedAnswerForm(DsfrFormMixin, forms.Form):
    team = forms.ChoiceField(label=_("Pour"))
    title = forms.CharField(label=_("Titre"), max_length=120,
                            error_messages={"required": _("Donnez un titre à la réponse type.")})
    body = forms.CharField(label=_("Texte"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8}),
                           error_messages={"required": _("Écrivez le texte de la réponse type.")},
                           help_text=_("Vous pouvez utiliser {prenom}, {nom}, {reference}, {titre}, {equipe} et "
                                       "{agent} : ils seront remplacés en insérant la réponse."))

    def __init__(self, *args, teams, academy_wide: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {str(t.pk): t for t in teams}
        choices = [("", _("Toute l'académie"))] if academy_wide else []
        self.fields["team"].choices = choices + [(key, t.name) for key, t in self.teams.items()]
        self.fields["team"].required = not academy_wide

    def clean_team(self):
        value = self.cleaned_data["team"]
        return self.teams[value] if value else None


class ArticleForm(DsfrFormMixin, forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200,
                            error_messages={"required": _("Donnez un titre à l'article.")})
    category = forms.ChoiceField(label=_("Catégorie"), choices=Category.choices)
    body = forms.CharField(label=_("Texte (Markdown)"), max_length=50000,
                           widget=forms.Textarea(attrs={"rows": 16}),
                           error_messages={"required": _("Écrivez le texte de l'article.")},
                           help_text=_("Titres avec ##, listes avec -, **gras**, [lien](https://…). Le HTML est "
                                       "filtré à l'affichage."))
    state = forms.ChoiceField(label=_("État"), choices=[("brouillon", _("Brouillon (invisible des usagers)")),
                                                        ("publie", _("Publié"))], widget=forms.RadioSelect)


class TeamNoticeForm(DsfrFormMixin, forms.Form):
    mode = forms.ChoiceField(choices=TeamNotice.choices, widget=forms.RadioSelect,
                             error_messages={"required": _("Choisissez une des options proposées."),
                                             "invalid_choice": _("Choisissez une des options proposées.")})
    address = forms.EmailField(label=_("Adresse à prévenir"), required=False, max_length=254,
                               help_text=_("Une boîte fonctionnelle de l'équipe ; pas l'adresse qui reçoit les "
                                           "demandes."))

    def clean(self):
        data = super().clean()
        if "mode" in data and "address" not in self.errors:
            try:  # the rule lives with the model (the admin applies it too)
                TeamSettings(new_request_notice=data["mode"], address=data.get("address", "")).clean()
            except forms.ValidationError as error:
                self.add_error(None, error)
        return data

    def full_clean(self):
        super().full_clean()
        for name in self.errors:  # the error's id carries the form's prefix
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}-erreur"


class PreferencesForm(DsfrFormMixin, forms.Form):
    new_requests = forms.BooleanField(
        label=_("Recevoir un message pour chaque nouvelle demande de mes équipes"), required=False,
        help_text=_("Seulement pour les équipes qui ont choisi d'écrire à chaque agent."))
    requester_replies = forms.BooleanField(
        label=_("Recevoir un message quand l'usager répond à une demande que je suis"), required=False)
