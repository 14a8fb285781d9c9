"""The targets of the benchmark issue, checked against one backend's figures
(used by `make bench` for its table and by ``bench.table`` for the README)."""


def missed_targets(figures: dict, dovecot: dict) -> dict[str, str]:
    """figure name → why its target (from the benchmark issue) is missed."""
    missed = {}

    def value(name):
        return figures[name]["value"] if name in figures else None

    def at_most(name, limit, why):
        if value(name) is not None and value(name) > limit:
            missed[name] = why

    at_most("inbox_page_ms_100k", 30, "> 30 ms")
    at_most("inbox_growth_ratio", 1.2, "> 1,2")
    if value("inbox_deep_page_ms_100k") is not None and value("inbox_page_ms_100k"):
        at_most("inbox_deep_page_ms_100k", 1.2 * value("inbox_page_ms_100k"), "> 1,2 × la première page")
    at_most("search_ms_100k", 50, "> 50 ms")
    xapian = dovecot.get("dovecot_search_xapian_ms_sample", {}).get("value")
    if xapian is not None and value("search_ms_100k") is not None and value("search_ms_100k") > xapian:
        missed["search_ms_100k"] = "; ".join(filter(None, [missed.get("search_ms_100k"),
                                                           "plus lent que Dovecot avec fts-xapian"]))
    at_most("open_message_ms_100k", 20, "> 20 ms")
    lmtp = dovecot.get("dovecot_lmtp_msgs_per_s_4conn", {}).get("value")
    if lmtp is not None and value("delivery_msgs_per_s_4conn") is not None and value("delivery_msgs_per_s_4conn") < lmtp:
        missed["delivery_msgs_per_s_4conn"] = "< Dovecot LMTP"
    storage = figures.get("storage_bytes_per_message")
    if storage and storage.get("raw") and storage["value"] > 1.15 * storage["raw"]:
        missed["storage_bytes_per_message"] = f"> 1,15 × le brut ({storage['raw']:.0f} octets)"
    at_most("import_staff_60k_s", 60, "> 60 s")
    at_most("web_rss_mb", 150, "> 150 Mo")
    if figures.get("inbox_rps_16_clients", {}).get("errors"):
        missed["inbox_rps_16_clients"] = f"{figures['inbox_rps_16_clients']['errors']} erreurs"
    return missed
