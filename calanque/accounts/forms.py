from django import forms
from django.utils.translation import gettext_lazy as _

from calanque.accounts.passwords import MAX_LENGTH, password_problems
from calanque.core.forms import DsfrFormMixin


class PasswordStepForm(DsfrFormMixin, forms.Form):
    login = forms.CharField(
        label=_("Identifiant"), max_length=254, help_text=_("prenom.nom ou adresse complète"),
        error_messages={"required": _("Saisissez votre identifiant.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false",
                                      "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Mot de passe"), max_length=1024, strip=False,
        error_messages={"required": _("Saisissez votre mot de passe.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(DsfrFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code à 6 chiffres"), max_length=20,
        help_text=_("Affiché par votre application d'authentification ; il change toutes les 30 secondes."),
        error_messages={"required": _("Saisissez le code à 6 chiffres.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True,
                                      "spellcheck": "false"}),
    )


class RecoveryCodeForm(DsfrFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code de secours"), max_length=40, help_text=_("Format : XXXXX-XXXXX"),
        error_messages={"required": _("Saisissez un code de secours.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                      "autofocus": True}),
    )


class CharterForm(DsfrFormMixin, forms.Form):
    accept = forms.BooleanField(
        label=_("J'ai lu la charte et je m'engage à la respecter."),
        error_messages={"required": _("Cochez la case pour accepter la charte.")},
    )


class RecoveryEmailForm(DsfrFormMixin, forms.Form):
    address = forms.EmailField(
        label=_("Adresse de secours"), max_length=254,
        help_text=_("Une adresse personnelle, hors de l'académie : elle sert à récupérer votre compte."),
        error_messages={"required": _("Saisissez une adresse de secours."),
                        "invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, academy, **kwargs):
        self.academy = academy
        super().__init__(*args, **kwargs)

    def clean_address(self):
        address = self.cleaned_data["address"].strip().lower()
        if address.endswith("@" + self.academy.domain) or address.endswith("." + self.academy.domain):
            raise forms.ValidationError(_("L'adresse de secours doit être extérieure à l'académie."))
        return address


class NewPasswordForm(DsfrFormMixin, forms.Form):
    password1 = forms.CharField(
        label=_("Nouveau mot de passe"), strip=False, max_length=MAX_LENGTH,
        error_messages={"required": _("Choisissez un mot de passe.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "data-calanque-strength": ""}),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"), strip=False, max_length=MAX_LENGTH,
        error_messages={"required": _("Saisissez de nouveau le mot de passe.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, staff, **kwargs):
        self.staff = staff
        super().__init__(*args, **kwargs)
        minimum = staff.academy.password_min_length
        self.fields["password1"].help_text = _(
            "Au moins %(n)d caractères. Une phrase de plusieurs mots est facile à retenir et difficile à deviner ; "
            "espaces, accents et tous les caractères sont acceptés."
        ) % {"n": minimum}
        self.fields["password1"].widget.attrs["data-min-length"] = str(minimum)

    def clean_password1(self):
        password = self.cleaned_data["password1"]
        problems = password_problems(password, self.staff.academy, self.staff)
        if problems:
            raise forms.ValidationError(problems)
        return password

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") is not None and data["password1"] != data["password2"]:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        return data


class ChangePasswordForm(NewPasswordForm):
    current = forms.CharField(
        label=_("Mot de passe actuel"), strip=False, max_length=MAX_LENGTH,
        error_messages={"required": _("Saisissez votre mot de passe actuel.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = CodeForm.base_fields["code"]

    field_order = ["current", "code", "password1", "password2"]


class ForgotPasswordForm(DsfrFormMixin, forms.Form):
    login = PasswordStepForm.base_fields["login"]


class ForgotIdentifierForm(DsfrFormMixin, forms.Form):
    address = forms.EmailField(
        label=_("Adresse de secours"), max_length=254,
        error_messages={"required": _("Saisissez votre adresse de secours."),
                        "invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    last_name = forms.CharField(label=_("Nom (facultatif)"), max_length=100, required=False)
