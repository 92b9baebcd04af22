"""Control numbers never repeat: the DynamoDB counter item (atomic ADD) and the CLI's counter file (locked)."""

import multiprocessing

import pytest

from claims_intake.encounters import DynamoControlNumbers, FileControlNumbers
from claims_intake.encounters.control import ControlNumbersExhausted
from claims_intake.store import Tables


def test_the_counter_item_hands_out_consecutive_blocks(aws):
    counter = DynamoControlNumbers(aws[0], Tables().claims)
    assert counter.take(3) == [1, 2, 3]
    assert counter.take(1) == [4]
    assert DynamoControlNumbers(aws[0], Tables().claims).take(2) == [5, 6]  # another run, same item


class RecordingClient:
    """Stands for DynamoDB, whose UpdateItem ADD is atomic (moto's in-process backend is not thread-safe, so
    concurrency is DynamoDB's promise, not something a moto test can show): the counter must be one ADD that
    returns the new value, never a read followed by a write."""

    def __init__(self):
        self.calls, self.value = [], 0

    def update_item(self, **request):
        self.calls.append(request)
        self.value += int(request["ExpressionAttributeValues"][":count"]["N"])
        return {"Attributes": {"last_control_number": {"N": str(self.value)}}}


def test_the_counter_is_one_atomic_add_that_returns_the_new_value():
    client = RecordingClient()
    assert DynamoControlNumbers(client, "ClaimsTable").take(3) == [1, 2, 3]
    (request,) = client.calls
    assert request["UpdateExpression"].startswith("ADD ") and request["ReturnValues"] == "UPDATED_NEW"
    assert not hasattr(client, "get_item")


def test_the_counter_file_survives_new_instances(tmp_path):
    path = tmp_path / "sub" / "counter"
    assert FileControlNumbers(path).take(2) == [1, 2]
    assert FileControlNumbers(path).take(1) == [3]
    assert path.read_text().strip() == "3"


def _take_many(path, times, queue):
    queue.put([n for _ in range(times) for n in FileControlNumbers(path).take(1)])


def test_processes_sharing_the_counter_file_never_share_a_number(tmp_path):
    path = tmp_path / "counter"
    queue = multiprocessing.get_context("fork").Queue()
    workers = [multiprocessing.get_context("fork").Process(target=_take_many, args=(path, 25, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    numbers = [n for _ in workers for n in queue.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(numbers) == list(range(1, 101))


def test_a_damaged_counter_file_is_refused_not_restarted(tmp_path):
    path = tmp_path / "counter"
    path.write_text("twelve\n")
    with pytest.raises(ValueError, match="not a number"):
        FileControlNumbers(path).take(1)


def test_nine_digits_is_the_end(tmp_path):
    path = tmp_path / "counter"
    path.write_text("999999999\n")
    with pytest.raises(ControlNumbersExhausted):
        FileControlNumbers(path).take(1)
