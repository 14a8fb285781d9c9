from django import forms
from django.utils.translation import gettext_lazy as _

from calanque.core.forms import DsfrFormMixin
from calanque.directory.models import NOTES_MAX
from calanque.directory.vcards import MAX_VCF_BYTES


class ContactForm(DsfrFormMixin, forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=200, required=False)
    email = forms.CharField(label=_("Adresse électronique"), max_length=254,
                            widget=forms.EmailInput(attrs={"autocomplete": "off"}),
                            error_messages={"required": _("Indiquez l'adresse électronique.")})
    notes = forms.CharField(label=_("Notes"), max_length=NOTES_MAX, required=False,
                            widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("Visibles de vous seul."))


class NotesForm(DsfrFormMixin, forms.Form):
    notes = forms.CharField(label=_("Notes"), max_length=NOTES_MAX, required=False,
                            widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("Visibles de vous seul."))


class GroupForm(DsfrFormMixin, forms.Form):
    name = forms.CharField(label=_("Nom du groupe"), max_length=100,
                           error_messages={"required": _("Donnez un nom au groupe.")},
                           help_text=_("Par exemple « Équipe de maths »."))


class AddMembersForm(DsfrFormMixin, forms.Form):
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts à ajouter"), queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un contact."),
                        "invalid_choice": _("Ce contact n'existe pas."),
                        "invalid_pk_value": _("Ce contact n'existe pas.")})

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = candidates
        self.fields["contacts"].label_from_instance = lambda c: f"{c.display_name} <{c.email}>"


class ImportForm(DsfrFormMixin, forms.Form):
    file = forms.FileField(label=_("Fichier vCard (.vcf)"),
                           help_text=_("vCard 3.0 ou 4.0, une ou plusieurs cartes, 1 Mo au plus."),
                           error_messages={"required": _("Choisissez un fichier .vcf."),
                                           "empty": _("Le fichier est vide.")})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_VCF_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse la taille maximale de 1 Mo."))
        return upload
