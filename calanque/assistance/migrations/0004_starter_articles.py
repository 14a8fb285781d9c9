from django.db import migrations

# The starter knowledge base, written for Calanque, in French. Agents edit
# and add articles in the administration.
ARTICLES = [
    ("se-connecter", "connexion", "Se connecter au portail", """
Ouvrez le portail de votre académie et choisissez **Se connecter**.

1. Saisissez votre **identifiant** : en général `prenom.nom`, sans accents ni majuscules (l'adresse complète fonctionne aussi).
2. Saisissez votre **mot de passe**.
3. Saisissez le **code à 6 chiffres** affiché par votre application d'authentification. Il change toutes les 30 secondes.

Après plusieurs erreurs, la connexion est suspendue quelques minutes : attendez, puis réessayez avec le bon mot de passe et un nouveau code.
"""),
    ("activer-cle-otp", "otp", "Activer ma clé OTP à la première connexion", """
À la première connexion, le portail vous demande d'activer votre **clé OTP** :

1. Installez une application d'authentification : FreeOTP ou Aegis (Android), Google Authenticator ou Microsoft Authenticator (Android, iPhone), ou KeePassXC sur un ordinateur.
2. Dans l'application, ajoutez un compte en **scannant le QR code**. Si vous ne pouvez pas scanner, choisissez « saisir une clé » et recopiez la clé affichée sous le QR code (type : basée sur le temps).
3. Saisissez le code à 6 chiffres que l'application affiche.

Enregistrez ensuite vos **10 codes de secours** (téléchargement ou impression) : ils vous dépannent si vous n'avez pas votre téléphone.

Si le code est refusé, vérifiez que l'heure de votre téléphone est réglée automatiquement.
"""),
    ("telephone-perdu", "otp", "J'ai perdu ou changé de téléphone", """
- **Vous avez vos codes de secours** : à l'étape du code, choisissez « utiliser un code de secours ». Une fois connecté, ouvrez **Sécurité du compte** puis **Activer un nouvel appareil** (un code actuel ou un code de secours est demandé).
- **Vous n'avez plus de code de secours** : faites une demande depuis la page « Mot de passe ou identifiant oublié ? », rubrique *Demander de l'aide sans me connecter*. Munissez-vous de votre NUMEN : l'assistance vérifiera votre identité avant de réinitialiser votre clé.
"""),
    ("mot-de-passe-oublie", "connexion", "Mot de passe ou identifiant oublié", """
Sur la page de connexion, choisissez **Mot de passe ou identifiant oublié ?**

- **Mot de passe** : indiquez votre identifiant. Un lien valable 30 minutes part vers votre **adresse de secours vérifiée**. Il vous demandera un code de votre application, puis votre nouveau mot de passe.
- **Identifiant** : indiquez votre adresse de secours ; vos identifiants y sont envoyés.

Pas d'adresse de secours ? Faites une demande d'aide sans vous connecter.
"""),
    ("choisir-mot-de-passe", "connexion", "Choisir un bon mot de passe", """
- Au moins 12 caractères : une **phrase de plusieurs mots** est facile à retenir et difficile à deviner (espaces et accents acceptés).
- Les mots de passe les plus courants sont refusés, ainsi que ceux qui contiennent votre nom ou votre identifiant.
- N'utilisez pas ce mot de passe ailleurs.
"""),
    ("vider-cache", "autre", "Vider le cache de mon navigateur", """
Si une page s'affiche mal après une mise à jour :

- **Firefox** : menu → Paramètres → Vie privée et sécurité → Cookies et données de sites → Effacer les données.
- **Chrome / Edge** : menu → Paramètres → Confidentialité → Effacer les données de navigation.
- **Safari** : Réglages → Safari → Effacer historique et données.

Rechargez ensuite la page.
"""),
    ("messagerie-telephone", "messagerie", "Utiliser la messagerie depuis un téléphone", """
Le portail s'adapte à l'écran de votre téléphone : ouvrez-le dans le navigateur, connectez-vous comme sur un ordinateur, puis choisissez **Messagerie**. La liste des dossiers se déplie avec le bouton **Dossiers**.
"""),
    ("boite-pleine", "boite_pleine", "Ma boîte aux lettres est pleine", """
Quand votre boîte est pleine, les nouveaux messages sont **refusés temporairement** : leurs expéditeurs réessaient pendant quelques jours.

Pour faire de la place :

1. Dans la liste, triez par **taille** pour trouver les plus gros messages.
2. Supprimez ceux dont vous n'avez plus besoin.
3. Videz la **Corbeille** (bouton « Vider ce dossier »).

L'espace utilisé est indiqué sous la liste des dossiers.
"""),
    ("creer-dossiers", "messagerie", "Créer des dossiers et ranger mes messages", """
Sous la liste des dossiers, saisissez le nom du **nouveau dossier** (et, si vous le souhaitez, le dossier qui le contiendra), puis **Créer**.
Pour ranger des messages : cochez-les dans la liste, choisissez le dossier dans **Déplacer vers**, puis **Déplacer**.
"""),
    ("signature", "messagerie", "Ajouter une signature", """
Dans **Messagerie**, ouvrez **Renvoi et répondeur**, puis remplissez **Signature**. Elle est ajoutée à la fin de vos nouveaux messages.
"""),
    ("renvoi-repondeur", "messagerie", "Renvoyer mes messages ou activer le répondeur d'absence", """
Dans **Messagerie → Renvoi et répondeur** :

- **Renvoi** : indiquez une ou plusieurs adresses ; cochez « Garder une copie » pour conserver aussi les messages dans votre boîte.
- **Répondeur d'absence** : indiquez les dates et le texte. Chaque expéditeur reçoit la réponse une seule fois par semaine ; les listes de diffusion et les messages automatiques n'en reçoivent pas.
"""),
    ("hameconnage", "messagerie", "Se protéger de l'hameçonnage", """
- **Nous ne vous demanderons jamais votre mot de passe ni votre code**, ni par courriel, ni par téléphone.
- Méfiez-vous des messages pressants, des pièces jointes inattendues et des liens : le portail signale les messages venant de l'extérieur de l'académie et les liens qui mènent à un autre site que celui qu'ils affichent.
- En cas de doute, ne cliquez pas : faites une demande d'assistance.
"""),
    ("qui-contacter", "autre", "Qui contacter ?", """
Votre demande est orientée automatiquement :

- **premier degré** : la DSDEN de votre département ;
- **second degré** : l'assistance de votre établissement, sinon le Rectorat ;
- **personnels administratifs** : le Rectorat.

Les coordonnées de votre équipe d'assistance sont affichées en haut de la page **Assistance**.
"""),
]


def load(apps, schema_editor):
    Article = apps.get_model("assistance", "Article")
    for slug, category, title, body in ARTICLES:
        Article.objects.get_or_create(slug=slug, defaults={"category": category, "title": title,
                                                           "body": body.strip() + "\n"})


class Migration(migrations.Migration):
    dependencies = [("assistance", "0003_article")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
