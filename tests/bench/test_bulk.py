"""The bulk loader used by `make bench` writes exactly the rows that real
delivery writes, and the benchmark corpus is deterministic with the rates it
promises."""

import statistics

import pytest
from bench.mailcorpus import COMMON_WORD, RARE_WORD, Corpus, subset
from calanque.mail import blobs, bulk, delivery
from calanque.mail.models import Content, Folder, Mailbox, Message
from calanque.mail.search import search_messages

CONTENT_FIELDS = [f.name for f in Content._meta.fields if f.name != "id"]
MESSAGE_FIELDS = ["uid", "date", "size", "sender_key", "subject_key", "seen", "flagged", "answered", "forwarded",
                  "draft", "has_attachments"]


@pytest.fixture
def store(settings, tmp_path):
    settings.CALANQUE_HOME = tmp_path
    blobs.store.cache_clear()
    yield blobs.store()
    blobs.store.cache_clear()


def inbox(staff) -> Folder:
    return Folder.objects.get(mailbox=delivery.mailbox_for(staff), special=Folder.Special.INBOX)


def counters(folder: Folder) -> tuple:
    folder.refresh_from_db()
    return folder.uid_next, folder.total, folder.unread, folder.size_bytes, Mailbox.objects.get(
        pk=folder.mailbox_id).used_bytes


def test_content_fields_are_what_delivery_stores(persona, store):
    corpus = Corpus(1000)
    messages = [corpus.message(i) for i in (0, 1, 2, 3, 5, 8, 13, 21)]
    assert {m.kind for m in messages} >= {"plain", "alternative"}
    for message in messages:
        delivery.deliver(message.raw, [persona("teacher_13")])
        stored = Content.objects.get(sha256=bulk.content_fields(message.raw)["sha256"])
        assert {name: getattr(stored, name) for name in CONTENT_FIELDS} == bulk.content_fields(message.raw)


def test_bulk_rows_equal_delivery_rows(persona, store):
    corpus = Corpus(400)
    messages = [corpus.message(i) for i in range(60)]
    # Some contents are new to the bulk path, some already known.
    delivered_to, loaded_to = inbox(persona("teacher_13")), inbox(persona("secondary_teacher"))
    before_delivered, before_loaded = counters(delivered_to), counters(loaded_to)
    for message in messages[:30]:
        delivery.deliver(message.raw, [delivered_to.mailbox.staff])
    loaded = bulk.load(loaded_to, (bulk.Item(m.raw) for m in messages), batch=25)
    for message in messages[30:]:
        delivery.deliver(message.raw, [delivered_to.mailbox.staff])
    assert loaded == 60
    assert Content.objects.filter(sha256__in=[bulk.content_fields(m.raw)["sha256"] for m in messages]).count() == 60

    def rows(folder):
        start = Message.objects.filter(folder=folder).order_by("uid").values_list("uid", flat=True)
        first = next(iter(start)) if start else 0
        out = []
        for message in Message.objects.filter(folder=folder).select_related("content").order_by("uid"):
            row = {name: getattr(message, name) for name in MESSAGE_FIELDS}
            row["uid"] -= first
            row["content"] = message.content.sha256
            row["mailbox"] = message.mailbox_id == folder.mailbox_id
            out.append(row)
        return out

    assert rows(loaded_to)[-60:] == rows(delivered_to)[-60:]
    after_delivered, after_loaded = counters(delivered_to), counters(loaded_to)
    assert [a - b for a, b in zip(after_delivered, before_delivered)] == \
        [a - b for a, b in zip(after_loaded, before_loaded)]
    for message in messages:
        assert store.get(bulk.content_fields(message.raw)["sha256"]) == message.raw
    # The search index knows the contents the bulk path created.
    rare = [m for m in corpus if m.rare][:3]
    bulk.load(loaded_to, (bulk.Item(m.raw, seen=m.seen, received_at=m.date) for m in rare))
    found = set(search_messages(loaded_to.mailbox, RARE_WORD, folder=loaded_to).values_list(
        "content__sha256", flat=True))
    assert found == {bulk.content_fields(m.raw)["sha256"] for m in rare}


def test_bulk_load_in_worker_processes(persona, store):
    corpus = Corpus(200)
    folder = inbox(persona("administrative"))
    before = counters(folder)
    items = [bulk.Item(m.raw, seen=m.seen, received_at=m.date) for m in corpus]
    assert bulk.load(folder, iter(items), batch=70, processes=2) == 200
    uid_next, total, unread, size, used = counters(folder)
    assert (total - before[1], unread - before[2]) == (200, sum(not i.seen for i in items))
    assert size - before[3] == sum(len(i.raw) for i in items) == used - before[4]
    uids = list(Message.objects.filter(folder=folder).order_by("uid").values_list("uid", "content__sha256"))[-200:]
    assert [sha for _, sha in uids] == [bulk.content_fields(i.raw)["sha256"] for i in items]
    assert [uid for uid, _ in uids] == list(range(uid_next - 200, uid_next))


def test_corpus_is_deterministic_with_the_promised_rates():
    corpus = Corpus(100_000)
    assert corpus.message(12_345).raw == Corpus(100_000).message(12_345).raw
    assert corpus.message(1).raw != corpus.message(2).raw
    sample = [corpus.message(i) for i in range(0, 100_000, 50)]
    sizes = [len(m.raw) for m in sample]
    assert 5_000 <= statistics.median(sizes) <= 7_500
    assert min(sizes) >= 1_500 and max(sizes) <= 60_000
    rare = sum(m.rare for m in sample) / len(sample)
    common = sum(m.common for m in sample) / len(sample)
    unread = sum(not m.seen for m in sample) / len(sample)
    assert 0.005 <= rare <= 0.02 and 0.15 <= common <= 0.25 and 0.03 <= unread <= 0.07
    assert all((RARE_WORD.encode() in m.raw) == m.rare for m in sample)
    dates = [m.date for m in sample]
    assert dates == sorted(dates) and (dates[-1] - dates[0]).days > 3 * 365 - 5
    threads = sum(b"In-Reply-To:" in m.raw for m in sample) / len(sample)
    assert 0.25 <= threads <= 0.45
    assert {m.kind for m in sample} == {"plain", "alternative", "html", "attachment"}
    tenth = list(subset(Corpus(1000), 10))
    assert [m.raw for m in tenth] == [Corpus(1000).message(i).raw for i in range(0, 1000, 10)]
    assert COMMON_WORD not in RARE_WORD


def test_corpus_parses_cleanly():
    corpus = Corpus(1000)
    for i in range(0, 1000, 7):
        message = corpus.message(i)
        fields = bulk.content_fields(message.raw)
        assert fields["parse_problem"] == "" and fields["sent_at"] is not None
        assert fields["from_address"] and fields["subject"]
        assert fields["has_attachments"] == (message.kind == "attachment")
