"""In-memory fakes of the storage ports, for fast unit tests of the domain services.

They behave as storage/ does for everything they implement (same entities, same
outcomes, same errors, rollback on failure); tests/fakes/test_contract.py runs the
same scenarios against them and the real stores on both engines, so they can't
drift apart. Ports they do not implement fail loudly when used.
"""

from tests.fakes.store import FakeStore, NotFaked
from tests.fakes.tables import IntegrityViolation

__all__ = ["FakeStore", "IntegrityViolation", "NotFaked"]
