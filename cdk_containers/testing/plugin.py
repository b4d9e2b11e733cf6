"""pytest plugin (entry point ``cdk_containers``): the ``cdk_snapshot`` fixture.

Installed with ``pip install "cdk-containers[testing]"``; pytest loads it
automatically. ``cdk_snapshot`` is syrupy's ``snapshot`` fixture with the
template extension already applied:

    def test_stack_template(cdk_snapshot):
        assert Template.from_stack(stack).to_json() == cdk_snapshot

Run ``pytest --snapshot-update`` to record or update snapshots, then review
the diff like code.
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = ["cdk_snapshot"]


@pytest.fixture
def cdk_snapshot(request: pytest.FixtureRequest) -> Any:
    """syrupy's ``snapshot`` with :class:`CdkTemplateSnapshotExtension` applied."""
    try:
        from cdk_containers.testing._snapshot import CdkTemplateSnapshotExtension
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise RuntimeError("cdk_snapshot needs syrupy: pip install 'cdk-containers[testing]'") from error
    snapshot = request.getfixturevalue("snapshot")
    return snapshot.use_extension(CdkTemplateSnapshotExtension)
