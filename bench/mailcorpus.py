"""A deterministic corpus of invented French professional mail, for the
folder-size benchmarks (`make bench`) and the Dovecot reference.

``message(i)`` is message number ``i`` of the corpus, always the same bytes
for the same seed, whatever else was generated (each message has its own
random generator, seeded by the corpus seed and ``i``). What it looks like:

- kinds: plain text (≈ 40 %), text + HTML alternative (≈ 35 %), HTML only
  (≈ 10 %), text + a small attachment (PDF, tableur, image; ≈ 15 %);
- sizes between 2 KB and 50 KB, log-normal around a median of ≈ 6 KB;
- quoted-printable UTF-8 bodies, RFC 2047 encoded subjects and names, as
  Thunderbird and Outlook send them;
- conversations: ≈ 35 % of messages answer an earlier one (« RE : » subject,
  In-Reply-To and References to the first message of the thread);
- dates spread over the 3 years before 26 November 2026, in order of ``i``;
- ≈ 5 % unread;
- two planted words at known rates: ``RARE_WORD`` in ≈ 1 % of the messages
  and ``COMMON_WORD`` in ≈ 20 %, each word appearing nowhere else.

Everybody is invented: names are built from syllables, addresses are on the
académie's domain or on example.org.

The folder benchmarks use two accounts: one with ``corpus(100_000)`` and one
with every tenth message of it (``subset(100_000, 10)`` — 10,000 messages
over the same 3 years, with the same rates).
"""

import base64
import binascii
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime
from zoneinfo import ZoneInfo

SEED = 2026
RARE_WORD = "ornithorynque"  # in ≈ 1 % of the messages
COMMON_WORD = "échéancier"  # in ≈ 20 %
RARE_RATE, COMMON_RATE, UNREAD_RATE = 0.01, 0.20, 0.05
END = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)
PARIS = ZoneInfo("Europe/Paris")
DOMAIN = "ac-aix-marseille.fr"

SYLLABLES = ["ba", "ber", "cha", "don", "fa", "gar", "lan", "mo", "nier", "pel", "rou", "san", "tel", "va", "zé",
             "lè", "mar", "ti", "quet", "bal", "dou", "ri", "ger", "mon"]
FIRST_NAMES = ["Léa", "Hugo", "Nadia", "Julien", "Sophie", "Karim", "Claire", "Élodie", "Marie", "Thomas", "Inès",
               "Lucas", "Chloé", "Mathis", "Yasmine", "Nicolas", "Camille", "Antoine", "Manon", "Rémi", "Zoé",
               "François", "Hélène", "Jérôme", "Aurélie", "Stéphane", "Noémie", "Cédric"]
ROLES = ["Professeur de mathématiques", "Professeure de lettres", "Principal adjoint", "Conseillère principale "
         "d'éducation", "Secrétaire de direction", "Gestionnaire", "Inspecteur de l'éducation nationale",
         "Directrice d'école", "Professeur documentaliste", "Chargée de mission numérique", "Proviseur"]
PLACES = ["Collège Les Calanques", "Lycée du Vieux-Port", "École élémentaire des Oliviers", "DSDEN des "
          "Bouches-du-Rhône", "Rectorat d'Aix-Marseille", "Lycée professionnel de l'Étang", "Collège du Luberon",
          "Circonscription de Gap", "DSDEN de Vaucluse"]
TOPICS = ["Conseil de classe du 2e trimestre", "Réunion parents-professeurs", "Sortie scolaire au Mucem",
          "Emploi du temps de la rentrée", "Inspection pédagogique", "Formation au numérique éducatif",
          "Commande de manuels", "Projet d'établissement", "Bulletins du premier trimestre", "Brevet blanc",
          "Épreuves du baccalauréat", "Conseil d'administration", "Voyage à Barcelone", "Remplacement de M. Donval",
          "Plan de formation académique", "Exercice de sécurité PPMS", "Cantine et demi-pension",
          "Stage d'observation des élèves de 3e", "Réunion de l'équipe pédagogique", "Convocation jury du DNB",
          "Circulaire de rentrée", "Note de service : examens", "Fournitures scolaires", "Accueil des AESH",
          "Carte scolaire", "Semaine de la presse à l'école", "Liaison école-collège", "Journée portes ouvertes"]
SENTENCES = [
    "Je vous prie de bien vouloir trouver ci-dessous les informations concernant {topic}.",
    "Comme convenu lors de notre dernière réunion, je reviens vers vous au sujet de {topic}.",
    "Pourriez-vous me transmettre vos disponibilités pour la semaine prochaine ?",
    "Les élèves de la classe de {klass} seront accompagnés par deux enseignants et une AESH.",
    "La réunion aura lieu en salle {room} à {hour} heures, merci de prévenir en cas d'empêchement.",
    "Le calendrier prévisionnel a été validé par la direction et sera affiché en salle des professeurs.",
    "Je vous rappelle que les appréciations doivent être saisies avant le {day} {month}.",
    "Les parents ont été informés par le carnet de liaison et par l'espace numérique de travail.",
    "Vous trouverez en pièce jointe le compte rendu ainsi que la liste des participants.",
    "N'hésitez pas à me contacter pour toute question complémentaire.",
    "L'inspection se déroulera dans le cadre du rendez-vous de carrière prévu par le protocole.",
    "Il conviendra de vérifier les autorisations de sortie signées par les responsables légaux.",
    "La demande de subvention a été déposée auprès du conseil départemental.",
    "Les crédits pédagogiques restants permettront l'achat de dictionnaires pour le CDI.",
    "Le transport est confirmé : départ à {hour} heures devant le portail principal.",
    "Merci de faire remonter les effectifs prévisionnels avant la fin du mois de {month}.",
    "Je me permets de vous relancer, n'ayant pas reçu de réponse à mon précédent message.",
    "La formation se tiendra au centre académique, les frais de déplacement seront remboursés.",
    "Les sujets de l'épreuve blanche sont déposés dans le casier de chaque professeur principal.",
    "Le protocole sanitaire reste inchangé jusqu'aux prochaines vacances.",
    "Nous comptons sur votre présence et vous remercions par avance de votre engagement.",
    "Une attention particulière sera portée aux élèves à besoins éducatifs particuliers.",
    "La commission se réunira pour examiner les dossiers d'orientation de fin de troisième.",
    "Le conseil pédagogique propose de reconduire le dispositif d'aide aux devoirs.",
    "Les modalités de passation sont précisées dans la note de service jointe.",
]
GREETINGS = ["Bonjour,", "Bonjour à toutes et à tous,", "Chère collègue,", "Cher collègue,", "Madame, Monsieur,",
             "Bonjour {first},"]
CLOSINGS = ["Bien cordialement,", "Cordialement,", "Bonne journée,", "Très cordialement,", "Merci d'avance,",
            "Avec mes remerciements,"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "septembre", "octobre", "novembre", "décembre"]
ATTACHMENTS = [("compte-rendu.pdf", "application/pdf"), ("emploi_du_temps.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("photo_sortie.jpg",
                "image/jpeg"), ("convocation.pdf", "application/pdf"), ("liste élèves.ods",
                "application/vnd.oasis.opendocument.spreadsheet")]
KINDS = [("plain", 0.40), ("alternative", 0.35), ("html", 0.10), ("attachment", 0.15)]


@dataclass
class CorpusMessage:
    index: int
    raw: bytes
    date: datetime
    seen: bool
    kind: str
    rare: bool
    common: bool


def _person(rng: random.Random) -> tuple[str, str]:
    first = rng.choice(FIRST_NAMES)
    last = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    local = f"{first}.{last}".lower()
    for accented, plain in (("é", "e"), ("è", "e"), ("ç", "c"), ("ë", "e"), ("ï", "i")):
        local = local.replace(accented, plain)
    if rng.random() < 0.15:
        return f"{first} {last}", f"{local}@example.org"
    return f"{first} {last}", f"{local}@{DOMAIN}"


def _senders(seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"{seed}:senders")
    return [_person(rng) for _ in range(300)]


def _encoded(name: str, address: str) -> str:
    try:
        name.encode("ascii")
        return f'"{name}" <{address}>'
    except UnicodeEncodeError:
        return f"{Header(name, 'utf-8').encode()} <{address}>"


def _fill(rng: random.Random, budget: int, topic: str) -> list[str]:
    """Paragraphs of French sentences, about ``budget`` characters."""
    paragraphs, length = [], 0
    while length < budget:
        sentences = []
        for _ in range(rng.randint(2, 5)):
            sentence = rng.choice(SENTENCES).format(
                topic=topic.lower(), klass=f"{rng.randint(3, 6)}e{rng.choice('ABCD')}", room=rng.randint(101, 312),
                hour=rng.randint(8, 17), day=rng.randint(1, 28), month=rng.choice(MONTHS))
            sentences.append(sentence)
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return paragraphs


def _qp(text: str) -> bytes:
    return binascii.b2a_qp(text.encode("utf-8")).replace(b"\n", b"\r\n")


def _html(paragraphs: list[str], greeting: str, closing: str, signature: list[str]) -> str:
    from html import escape

    body = "".join(f'<p style="margin:0 0 1em 0">{escape(p)}</p>\n' for p in paragraphs)
    sign = "<br>".join(escape(s) for s in signature)
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><style>p{font-family:Arial}</style></head>\n'
            f'<body><div style="font-family:Arial,sans-serif;font-size:11pt;color:#1f1f1f"><p>{escape(greeting)}</p>\n'
            f'{body}<p>{escape(closing)}</p>\n<table cellpadding="0" cellspacing="0" style="border-top:1px solid '
            f'#000091"><tr><td style="padding-top:6px;color:#000091"><b>{sign}</b></td></tr></table>\n'
            '</div></body></html>\n')


class Corpus:
    """The messages of a corpus of ``size`` messages (dates depend on the
    size: the corpus always spans 3 years)."""

    def __init__(self, size: int, *, to: str = f"hugo.bernard@{DOMAIN}", seed: int = SEED):
        self.size, self.to, self.seed = size, to, seed
        self.senders = _senders(seed)

    def _rng(self, i: int) -> random.Random:
        return random.Random(f"{self.seed}:{i}")

    def message_id(self, i: int) -> str:
        return f"<{self.seed}.{i}.bench@{DOMAIN}>"

    def thread_root(self, i: int) -> int:
        """The first message of ``i``'s conversation (``i`` itself when it
        starts one). A reply answers one of the 40 messages before it."""
        while True:
            rng = self._rng(i)
            if i == 0 or rng.random() >= 0.35:
                return i
            i = max(0, i - random.Random(f"{self.seed}:parent:{i}").randint(1, 40))

    def date(self, i: int) -> datetime:
        rng = self._rng(i)
        rng.random()
        offset = (i + rng.random() * 0.9) / self.size * SPAN.total_seconds()
        return (END - SPAN + timedelta(seconds=offset)).replace(microsecond=0)

    def message(self, i: int) -> CorpusMessage:
        rng = self._rng(i)
        is_reply = i > 0 and rng.random() < 0.35
        rng.random()  # the date's jitter (see date())
        date = self.date(i)
        root = self.thread_root(i)
        topic = TOPICS[random.Random(f"{self.seed}:topic:{root}").randrange(len(TOPICS))]
        subject = topic if root == i else f"RE: {topic}"
        name, address = self.senders[rng.randrange(len(self.senders))]
        first = name.split()[0]
        seen = rng.random() >= UNREAD_RATE
        rare = rng.random() < RARE_RATE
        common = rng.random() < COMMON_RATE
        pick, kind = rng.random(), "plain"
        for kind, share in KINDS:
            if pick < share:
                break
            pick -= share
        size = int(min(46_000, max(2_200, math.exp(rng.gauss(math.log(6_000), 0.65)))))
        role, place = rng.choice(ROLES), rng.choice(PLACES)
        greeting = rng.choice(GREETINGS).format(first="Léa")
        closing = rng.choice(CLOSINGS)
        signature = [name, role, place]

        attachment = None
        headers_size = 700
        if kind == "attachment":
            filename, content_type = rng.choice(ATTACHMENTS)
            data_size = max(600, int((size - 1500) * 0.7 * 3 / 4))
            attachment = (filename, content_type, rng.randbytes(data_size))
            text_budget = max(300, size - headers_size - len(attachment[2]) * 4 // 3)
        elif kind == "alternative":
            text_budget = max(300, (size - headers_size) * 28 // 100)  # the HTML copy is ≈ 1.5 × the text
        else:
            text_budget = max(300, (size - headers_size - 300) * 86 // 100)  # quoted-printable: ≈ +15 %
        paragraphs = _fill(rng, text_budget, topic)
        planted = []
        if rare:
            planted.append(f"Pour mémoire, le projet {RARE_WORD} est reporté à la rentrée.")
        if common:
            planted.append(f"L'{COMMON_WORD} des remises de notes est en ligne.")
        if planted:
            paragraphs.insert(rng.randint(0, len(paragraphs)), " ".join(planted))
        if is_reply:
            quoted = "\n".join("> " + p for p in _fill(rng, min(800, text_budget // 3), topic)[:2])
            text = (f"{greeting}\n\n" + "\n\n".join(paragraphs) + f"\n\n{closing}\n\n-- \n" + "\n".join(signature)
                    + f"\n\nLe {format_datetime(date - timedelta(hours=rng.randint(2, 72)))}, un collègue a écrit :\n"
                    + quoted + "\n")
        else:
            text = f"{greeting}\n\n" + "\n\n".join(paragraphs) + f"\n\n{closing}\n\n-- \n" + "\n".join(signature) + "\n"

        headers = [
            f"Return-Path: <{address}>",
            f"From: {_encoded(name, address)}",
            f"To: {self.to}",
            f"Subject: {subject if subject.isascii() else Header(subject, 'utf-8').encode()}",
            f"Date: {format_datetime(date.astimezone(PARIS))}",
            f"Message-ID: {self.message_id(i)}",
        ]
        if rng.random() < 0.2:
            cc_name, cc_address = self.senders[rng.randrange(len(self.senders))]
            headers.append(f"Cc: {_encoded(cc_name, cc_address)}")
        if root != i:
            headers.append(f"In-Reply-To: {self.message_id(root)}")
            headers.append(f"References: {self.message_id(root)}")
        headers += ["MIME-Version: 1.0", "User-Agent: Mozilla Thunderbird" if rng.random() < 0.6
                    else "X-Mailer: Microsoft Outlook 16.0", "Content-Language: fr"]
        head = "\r\n".join(headers).encode("utf-8")
        qp_headers = b"Content-Type: text/plain; charset=UTF-8; format=flowed\r\nContent-Transfer-Encoding: " \
                     b"quoted-printable\r\n\r\n"
        html_headers = b"Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        boundary = f"------------bench{rng.getrandbits(64):016x}".encode()
        if kind == "plain":
            body = qp_headers + _qp(text)
        elif kind == "html":
            body = html_headers + _qp(_html(paragraphs, greeting, closing, signature))
        elif kind == "alternative":
            body = (b'Content-Type: multipart/alternative; boundary="' + boundary + b'"\r\n\r\n'
                    b"This is a multi-part message in MIME format.\r\n--" + boundary + b"\r\n" + qp_headers + _qp(text)
                    + b"\r\n--" + boundary + b"\r\n" + html_headers + _qp(_html(paragraphs, greeting, closing, signature))
                    + b"\r\n--" + boundary + b"--\r\n")
        else:
            filename, content_type, data = attachment
            encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
            disposition = Header(filename, "utf-8").encode() if not filename.isascii() else filename
            body = (b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
                    b"This is a multi-part message in MIME format.\r\n--" + boundary + b"\r\n" + qp_headers + _qp(text)
                    + b"\r\n--" + boundary + b"\r\n"
                    + f'Content-Type: {content_type}; name="{disposition}"\r\nContent-Disposition: attachment; '
                      f'filename="{disposition}"\r\nContent-Transfer-Encoding: base64\r\n\r\n'.encode()
                    + encoded + b"--" + boundary + b"--\r\n")
        return CorpusMessage(i, head + b"\r\n" + body, date, seen, kind, rare, common)

    def __iter__(self):
        return (self.message(i) for i in range(self.size))


def subset(corpus: Corpus, step: int):
    """Every ``step``-th message of ``corpus`` (same bytes, same dates)."""
    return (corpus.message(i) for i in range(0, corpus.size, step))


def median_html_index(corpus: Corpus, sizes: dict[int, int]) -> int:
    """Among the messages ``sizes`` maps (index → bytes), the HTML one whose
    size is closest to the median: the message both the Calanque and the
    Dovecot « open a message » figures open."""
    ordered = sorted(sizes.values())
    median = ordered[len(ordered) // 2]
    for index in sorted(sizes, key=lambda i: (abs(sizes[i] - median), i)):
        if corpus.message(index).kind in ("alternative", "html"):
            return index
    raise ValueError("no HTML message")
