"""GET /api/claims?q=: staff find any claim (in a queue or not) by claim id, invoice number, member CIN,
member name or billing NPI, through the search index; a provider only ever finds its own claims."""

from __future__ import annotations

from claims_intake.check.result import ClaimDisposition

from .conftest import call, provider_claims
from .queue_factories import NPI_A, NPI_B, queued, rfi_claim


def store_claim(
    services,
    claim_id,
    npi=NPI_A,
    cin="91234567A",
    first="Rosalind",
    last="Quintero",
    plan="khs",
    disposition=ClaimDisposition.CLEAN,
    invoice=None,
):
    result = rfi_claim(claim_id, npi, plan, cin, disposition)
    result.claim.set_raw("member_first_name", first)
    result.claim.set_raw("member_last_name", last)
    if invoice:
        result.claim.set_raw("invoice_number", invoice)
    services.store.save_checked_claim(result, upload_key=None)


def found(query, claims=None, **params):
    status, page = call("GET", "/api/claims", query={"q": query, **params}, **({"claims": claims} if claims else {}))
    assert status == 200, page
    return [item["claim_id"] for item in page["items"]]


def test_staff_find_a_claim_by_each_term_whether_or_not_it_is_in_a_queue(services):
    store_claim(services, "C-quiet", invoice="BHP-2026-0415")  # CLEAN: never reached a queue
    store_claim(services, "C-other", npi=NPI_B, cin="98765432B", first="Tomas", last="Okafor", invoice="KHS-77")
    assert found("BHP-2026") == ["C-quiet"]  # the start of the invoice number, as typed
    assert found("bhp20260415") == ["C-quiet"]  # case and punctuation do not matter
    assert found("91234567A") == ["C-quiet"]  # member CIN
    assert found("quintero") == ["C-quiet"]  # member name
    assert found("Rosa Quin") == ["C-quiet"]  # several words: each starts a term of the claim
    assert found("Rosa Okafor") == []  # ... of the same claim
    assert found(NPI_B) == ["C-other"]  # billing provider NPI
    assert found("C-other") == ["C-other"]  # claim id
    summary = call("GET", "/api/claims", query={"q": "okafor"})[1]["items"][0]
    assert (summary["invoice_number"], summary["member_name"], summary["provider_npi"]) == (
        "KHS-77",
        "Tomas Okafor",
        NPI_B,
    )
    assert summary["clean_claim_clock"]["received"] == "2026-11-20"
    assert "search_terms" not in summary


def test_the_search_reads_the_index_not_the_table(services, monkeypatch):
    store_claim(services, "C-1", invoice="BHP-1")
    client = services.store.client
    calls = []
    for name in ("scan", "query", "batch_get_item"):
        original = getattr(client, name)
        monkeypatch.setattr(
            client,
            name,
            lambda *a, _name=name, _original=original, **k: (
                calls.append((_name, k.get("IndexName"))) or _original(*a, **k)
            ),
        )
    assert found("BHP") == ["C-1"]
    assert ("scan", None) not in calls
    assert calls[0] == ("query", "by_search")


def test_a_provider_finds_only_its_own_claims_whatever_it_types(services):
    store_claim(services, "C-mine", npi=NPI_A, invoice="SAME-1")
    store_claim(services, "C-theirs", npi=NPI_B, invoice="SAME-2", cin="98765432B")
    mine = provider_claims(NPI_A)
    assert found("SAME", claims=mine) == ["C-mine"]
    assert found("98765432B", claims=mine) == []
    assert found(NPI_B, claims=mine) == []
    assert found("C-theirs", claims=mine) == []
    assert found("SAME", claims=mine, provider=NPI_B) == []
    assert found("SAME") == ["C-mine", "C-theirs"]


def test_filters_and_pages_list_each_claim_once(services):
    for index in range(7):
        store_claim(
            services,
            f"C-{index}",
            first="Ann",
            last="Annis",  # two terms start with ANN
            plan="kp" if index % 2 else "khs",
            invoice=f"ANN-{index}",
        )
    assert found("ann", plan="kp") == ["C-1", "C-3", "C-5"]
    assert found("ann", disposition="RFI") == []
    seen, token = [], None
    while True:
        query = {"q": "annis", "limit": "3", **({"next_token": token} if token else {})}
        page = call("GET", "/api/claims", query=query)[1]
        seen += [item["claim_id"] for item in page["items"]]
        token = page["next_token"]
        if not token:
            break
    assert sorted(seen) == [f"C-{i}" for i in range(7)]
    assert sorted(found("ann", limit="50")) == [f"C-{i}" for i in range(7)]  # ANN-x, ANN and ANNIS: once each


def test_a_corrected_value_is_found_by_its_new_term_only(services):
    queued(services, "C-1")  # CIN 9123456A, misread
    assert found("9123456A") == ["C-1"]
    assert call("PATCH", "/api/claims/C-1/values", body={"element": "member_cin", "value": "91234567A"})[0] == 200
    assert found("91234567A") == ["C-1"] and found("9123456A") == []
    assert call("PATCH", "/api/claims/C-1/values", body={"element": "member_cin", "value": "88888888C"})[0] == 200
    assert found("91234567A") == [] and found("88888888C") == ["C-1"]


def test_a_query_without_two_letters_or_digits_is_refused(services):
    assert call("GET", "/api/claims", query={"q": "- -"})[0] == 400
    assert call("GET", "/api/claims", query={"q": "x"})[0] == 422
    assert call("GET", "/api/claims", query={"q": "ab", "next_token": "not-a-token"})[0] == 400


def test_assigned_to_me_filters_the_queue(services):
    first = queued(services, "C-1")
    queued(services, "C-2")
    assert call("POST", f"/api/claims/C-1/items/{first.item_id}/assign")[0] == 200
    mine = call("GET", "/api/queue", query={"queue": "RFI", "assigned_to_me": "true"})[1]["items"]
    assert [item["claim_id"] for item in mine] == ["C-1"]
    assert len(call("GET", "/api/queue", query={"queue": "RFI"})[1]["items"]) == 2


def test_claims_stored_before_the_index_are_found_after_a_rebuild(services):
    store_claim(services, "C-old", invoice="OLD-1")
    store = services.store
    for sk in ("SEARCH#OLD1", "SEARCH#COLD"):
        store.client.delete_item(TableName=store.tables.claims, Key={"pk": {"S": "CLAIM#C-old"}, "sk": {"S": sk}})
    store.client.update_item(
        TableName=store.tables.claims,
        Key={"pk": {"S": "CLAIM#C-old"}, "sk": {"S": "HEADER"}},
        UpdateExpression="REMOVE search_terms",
    )
    assert found("OLD-1") == []
    assert store.rebuild_search_index() == 1
    assert found("OLD-1") == ["C-old"] and found("C-old quintero") == ["C-old"]
    assert store.rebuild_search_index() == 1  # idempotent
    assert found("OLD") == ["C-old"]


def test_accents_slashes_and_spaces_in_what_staff_type(services):
    store_claim(services, "C-accents", first="Zoë", last="García-Peña", invoice="WF/00496/26")
    store_claim(services, "C-plain", npi=NPI_B, cin="98765432B", first="Ana", last="Garcia", invoice="BHP 2026 0415")
    assert found("garcia zoe") == ["C-accents"]  # typed without the accents the name was written with
    assert found("García", limit="10") == found("GARCIA", limit="10")
    assert sorted(found("garcia")) == ["C-accents", "C-plain"]
    assert found("pena") == ["C-accents"]
    assert found("WF/00496/26") == ["C-accents"]  # an invoice number holding slashes is one word
    assert found("WF/004") == ["C-accents"]
    assert found("WF 00496 26") == ["C-accents"]  # typed with spaces: also read as one term
    assert found("bhp 2026 0415") == ["C-plain"]
    assert found("BHP-2026-0415") == ["C-plain"]
    assert found("ana garcia", plan="khs") == ["C-plain"]
    assert found("zoe garcia", plan="kp") == []


def count_calls(monkeypatch, client) -> list[tuple[str, dict]]:
    """Every query and batch read the store sends, with its request."""
    calls: list[tuple[str, dict]] = []
    for name in ("scan", "query", "batch_get_item"):
        original = getattr(client, name)
        monkeypatch.setattr(
            client,
            name,
            lambda *a, _name=name, _original=original, **k: calls.append((_name, k)) or _original(*a, **k),
        )
    return calls


def headers_read(calls) -> int:
    return sum(
        len(keys["Keys"]) for name, k in calls if name == "batch_get_item" for keys in k["RequestItems"].values()
    )


def test_several_words_read_the_rarest_word_and_only_the_page_of_headers(services, monkeypatch):
    monkeypatch.setattr("claims_intake.store.search.PROBE_READS", 4)
    for index in range(12):  # MARIA is common, PENA rare
        store_claim(services, f"C-m{index:02d}", first="Maria", last="Smith", invoice=f"INV-{index}")
    store_claim(services, "C-rare", first="Maria", last="Peña", invoice="INV-99")
    calls = count_calls(monkeypatch, services.store.client)
    assert found("maria pena") == ["C-rare"]
    queries = [k for name, k in calls if name == "query"]
    assert {k["ExpressionAttributeValues"][":w"]["S"] for k in queries} <= {"MARIAPENA", "MARIA", "PENA"}
    assert queries[-1]["ExpressionAttributeValues"][":w"]["S"] == "PENA"  # read whole by its probe
    assert "contains(search_text" in queries[-1]["FilterExpression"]  # MARIA checked by DynamoDB on the index
    assert headers_read(calls) == 1  # only the claim listed is read from the table
    assert not [name for name, _ in calls if name == "scan"]


def test_two_common_words_page_through_every_match_once(services, monkeypatch):
    monkeypatch.setattr("claims_intake.store.search.PROBE_READS", 3)
    for index in range(9):
        store_claim(services, f"C-{index}", first="Ana", last="Smith" if index % 3 else "Nguyen", invoice=f"S-{index}")
    calls = count_calls(monkeypatch, services.store.client)
    seen, token, pages = [], None, 0
    while True:
        query = {"q": "ana smith", "limit": "2", **({"next_token": token} if token else {})}
        status, page = call("GET", "/api/claims", query=query)
        assert status == 200, page
        assert len(page["items"]) <= 2
        seen += [item["claim_id"] for item in page["items"]]
        token, pages = page["next_token"], pages + 1
        if not token:
            break
    assert sorted(seen) == [f"C-{i}" for i in range(9) if i % 3]  # each once, none of Nguyen
    assert pages >= 3
    assert headers_read(calls) == len(seen)  # no header read but those of the claims listed


def test_a_large_providers_claims_come_a_page_at_a_time(services, monkeypatch):
    for index in range(23):
        store_claim(services, f"C-{index:02d}", npi=NPI_A, cin=f"9{index:07d}A", invoice=f"P-{index}")
    calls = count_calls(monkeypatch, services.store.client)
    status, page = call("GET", "/api/claims", query={"q": NPI_A, "limit": "10"})
    assert status == 200 and len(page["items"]) == 10 and page["next_token"]
    assert headers_read(calls) == 10
    entries = sum(k["Limit"] for name, k in calls if name == "query")
    assert entries <= 11  # the index is read for the page, not for all 23 claims
    seen, token = [item["claim_id"] for item in page["items"]], page["next_token"]
    while token:
        page = call("GET", "/api/claims", query={"q": NPI_A, "limit": "10", "next_token": token})[1]
        seen += [item["claim_id"] for item in page["items"]]
        token = page["next_token"]
    assert sorted(seen) == [f"C-{i:02d}" for i in range(23)]


def test_a_page_token_cannot_reach_another_providers_partition(services):
    store_claim(services, "C-mine", npi=NPI_A, invoice="SAME-1")
    for index in range(3):
        store_claim(services, f"C-theirs-{index}", npi=NPI_B, invoice=f"SAME-{index + 2}", cin="98765432B")
    staff_page = call("GET", "/api/claims", query={"q": "same", "limit": "1", "provider": NPI_B})[1]
    assert staff_page["next_token"]
    mine = provider_claims(NPI_A)
    status, _ = call(
        "GET", "/api/claims", query={"q": "same", "limit": "1", "next_token": staff_page["next_token"]}, claims=mine
    )
    assert status == 400  # a start key in NPI_B's partition is refused, not followed
    assert found("same smith", claims=mine) == [] and found("same quintero", claims=mine) == ["C-mine"]
    assert found("C theirs", claims=mine) == []


def test_claims_indexed_before_the_terms_were_projected_are_found_after_a_rebuild(services):
    store_claim(services, "C-old", first="Rosa", last="Quintero", invoice="OLD-1")
    store = services.store
    items = store.client.query(
        TableName=store.tables.claims,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :s)",
        ExpressionAttributeValues={":pk": {"S": "CLAIM#C-old"}, ":s": {"S": "SEARCH#"}},
    )["Items"]
    for item in items:  # the index shape of before: no search_text on the entries
        store.client.update_item(
            TableName=store.tables.claims,
            Key={"pk": item["pk"], "sk": item["sk"]},
            UpdateExpression="REMOVE search_text",
        )
    assert found("rosa quintero") == []
    assert store.rebuild_search_index() == 1
    assert found("rosa quintero") == ["C-old"] and found("quintero") == ["C-old"]


def test_a_page_can_come_back_short_with_a_token_when_the_reads_run_out(services):
    for index in range(6):  # ANN and SMITH both common, together once
        store_claim(services, f"C-a{index}", first="Ann", last="Jones", invoice=f"A-{index}")
        store_claim(services, f"C-b{index}", first="Bob", last="Smith", invoice=f"B-{index}")
    store_claim(services, "C-last", first="Ann", last="Smith", invoice="A-9")
    page, token = services.store.search_claims("ann smith", limit=5, max_reads=2)
    pages, seen = [page], [summary["claim_id"] for summary in page]
    while token:
        page, token = services.store.search_claims("ann smith", limit=5, page_token=token, max_reads=2)
        pages.append(page)
        seen += [summary["claim_id"] for summary in page]
    assert seen == ["C-last"]
    assert len(pages) > 2 and [] in pages  # short pages, each with a token to read on
