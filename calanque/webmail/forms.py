from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from calanque.academy.models import Staff
from calanque.core.forms import DsfrFormMixin
from calanque.mail.sending import is_local
from calanque.mail.services import service_for
from calanque.webmail import richtext
from calanque.webmail.models import Preferences, Signature

MAX_ATTACHMENTS_BYTES = 20 * 1024 * 1024
MAX_ADDRESSES = 5000  # per field, before the académie's limit per message


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def addresses(value: str, label: str) -> list[str]:
    # No line break may reach a header (CR/LF, and the others splitlines knows).
    found = [" ".join(a.split()).lower() for a in value.replace(";", ",").split(",") if a.strip()]
    if len(found) > MAX_ADDRESSES:
        raise ValidationError(_("%(n)d destinataires au plus.") % {"n": MAX_ADDRESSES})
    for address in found:
        if "<" in address and address.endswith(">"):
            address = address.rsplit("<", 1)[1][:-1]
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(_("Adresse invalide : %(a)s") % {"a": address}) from None
    cleaned = [a.rsplit("<", 1)[1][:-1] if a.endswith(">") and "<" in a else a for a in found]
    # A local address is a person's mailbox or a service's (a support team's
    # « assistance@… », the Reply-To of its agents' answers).
    unknown = [a for a in cleaned if is_local(a) and not Staff.objects.filter(email=a, is_active=True).exists()
               and service_for(a) is None]
    if unknown:
        raise ValidationError(_("Destinataire inconnu dans l'académie : %(a)s") % {"a": ", ".join(unknown)})
    return cleaned


class ComposeForm(DsfrFormMixin, forms.Form):
    to = forms.CharField(label=_("À"), max_length=20000, required=False,
                         widget=forms.TextInput(attrs={"autocomplete": "off", "list": "annuaire-adresses"}))
    cc = forms.CharField(label=_("Copie"), max_length=20000, required=False,
                         widget=forms.TextInput(attrs={"autocomplete": "off", "list": "annuaire-adresses"}))
    bcc = forms.CharField(label=_("Copie cachée"), max_length=20000, required=False)
    subject = forms.CharField(label=_("Objet"), max_length=200, required=False)
    body = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 14}))
    attachments = MultipleFileField(label=_("Pièces jointes"), required=False)
    signature = forms.ChoiceField(label=_("Signature"), required=False)
    body_html = forms.CharField(required=False, max_length=1_000_000, widget=forms.HiddenInput)
    no_subject = forms.BooleanField(label=_("Envoyer sans objet"), required=False)

    def __init__(self, *args, signatures=(), max_recipients: int = 500, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_recipients = max_recipients
        self.fields["signature"].choices = [
            (s.key, s.label or (_("Aucune") if not s.key else _("Signature de l'académie"))) for s in signatures]

    def clean_subject(self):
        return " ".join(self.cleaned_data["subject"].split())  # one line: it is a header

    def clean_body_html(self):
        return richtext.clean(self.cleaned_data["body_html"])

    def clean_to(self):
        return addresses(self.cleaned_data["to"], "to")

    def clean_cc(self):
        return addresses(self.cleaned_data["cc"], "cc")

    def clean_bcc(self):
        return addresses(self.cleaned_data["bcc"], "bcc")

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        if sum(f.size for f in files) > MAX_ATTACHMENTS_BYTES:
            raise ValidationError(_("Les pièces jointes dépassent 20 Mo au total."))
        return files

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("to") or data.get("cc") or data.get("bcc")):
            self.add_error("to", _("Indiquez au moins un destinataire."))
        count = len({a for field in ("to", "cc", "bcc") for a in data.get(field) or []})
        if count > self.max_recipients:
            self.add_error("to", _("%(count)d destinataires : l'académie en permet %(max)d au plus par message. "
                                   "Pour écrire à beaucoup de personnes, utilisez une liste de diffusion.")
                           % {"count": count, "max": self.max_recipients})
        if not (data.get("subject") or "").strip() and not data.get("no_subject"):
            self.add_error("subject", _("Ce message n'a pas d'objet. Indiquez-en un, ou cochez « Envoyer sans "
                                        "objet » pour l'envoyer quand même."))
        return data


class SettingsForm(DsfrFormMixin, forms.Form):
    forward_to = forms.CharField(label=_("Transférer mes messages à"), required=False, max_length=2000,
                                 help_text=_("Une ou plusieurs adresses, séparées par des virgules."))
    forward_keep_copy = forms.BooleanField(label=_("Garder une copie dans ma boîte"), required=False)
    vacation_enabled = forms.BooleanField(label=_("Activer le répondeur d'absence"), required=False)
    vacation_start = forms.DateField(label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    vacation_end = forms.DateField(label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    vacation_subject = forms.CharField(label=_("Objet de la réponse"), required=False, max_length=200)
    vacation_text = forms.CharField(label=_("Texte de la réponse"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 5}))

    def clean_forward_to(self):
        return ", ".join(addresses(self.cleaned_data["forward_to"], "forward_to"))

    def clean(self):
        data = super().clean()
        if data.get("vacation_start") and data.get("vacation_end") and data["vacation_end"] < data["vacation_start"]:
            self.add_error("vacation_end", _("La fin de l'absence doit suivre son début."))
        if data.get("vacation_enabled") and not data.get("vacation_text"):
            self.add_error("vacation_text", _("Écrivez le texte de la réponse."))
        return data


class FolderForm(DsfrFormMixin, forms.Form):
    name = forms.CharField(label=_("Nom du dossier"), max_length=100)


class SignatureForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = Signature
        fields = ["name", "text", "is_default"]
        labels = {"name": _("Nom de la signature"), "text": _("Texte"),
                  "is_default": _("Signature par défaut (ajoutée automatiquement)")}
        help_texts = {"name": _("Par exemple « Professeure » ou « Direction »."),
                      "text": _("Texte simple, 2 000 caractères au plus.")}
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}


class SignatureComplementForm(forms.Form):
    complement = forms.CharField(required=False, max_length=500)


class PreferencesForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = Preferences
        fields = ["undo_seconds", "per_page", "mark_read_on_open", "conversations", "remote_images"]
        help_texts = {"undo_seconds": _("Pendant ce délai après « Envoyer », « Annuler l'envoi » arrête le message."),
                      "conversations": _("Les messages d'une même conversation sont regroupés dans la liste."),
                      "remote_images": _("Une image distante indique à l'expéditeur que vous avez ouvert son "
                                         "message. Les messages de l'extérieur restent toujours protégés.")}
        widgets = {"remote_images": forms.RadioSelect}


class SearchForm(DsfrFormMixin, forms.Form):
    """The search box and its filters (all optional, GET)."""

    q = forms.CharField(label=_("Mots recherchés"), max_length=200, required=False)
    dossier = forms.TypedChoiceField(label=_("Où"), required=False, coerce=int, empty_value=None)
    de = forms.CharField(label=_("De"), max_length=200, required=False,
                         help_text=_("Nom ou adresse de l'expéditeur."))
    a = forms.CharField(label=_("À ou copie"), max_length=200, required=False)
    du = forms.DateField(label=_("Depuis le"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label=_("Jusqu'au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    non_lus = forms.BooleanField(label=_("Non lus seulement"), required=False)
    pj = forms.BooleanField(label=_("Avec pièce jointe"), required=False)

    def __init__(self, *args, folders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dossier"].choices = [("", _("Tous les dossiers"))] + [(f.pk, f.name) for f in folders]

    def clean_q(self):
        return self.cleaned_data["q"].replace("\x00", "").strip()

    def clean(self):
        data = super().clean()
        if data.get("du") and data.get("au") and data["au"] < data["du"]:
            self.add_error("au", _("La date de fin doit suivre la date de début."))
        return data
