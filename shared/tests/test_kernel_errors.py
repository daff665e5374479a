"""Failure classification and back-off."""

import asyncpg
from aiokafka.errors import KafkaConnectionError

from unefois_kernel.consumer import HandlerRejected
from unefois_kernel.errors import TransientError, backoff_delays, is_transient


def test_outages_are_transient():
    assert is_transient(TransientError("db away"))
    assert is_transient(ConnectionRefusedError())
    assert is_transient(asyncpg.exceptions.CannotConnectNowError("starting"))
    assert is_transient(KafkaConnectionError("down"))


def test_data_and_business_errors_are_not():
    assert not is_transient(ValueError("bad"))
    assert not is_transient(HandlerRejected("refused"))
    assert not is_transient(asyncpg.exceptions.UniqueViolationError("dup"))


def test_backoff_doubles_up_to_its_cap():
    delays = backoff_delays(0.5, 3)
    assert [next(delays) for _ in range(5)] == [0.5, 1, 2, 3, 3]
