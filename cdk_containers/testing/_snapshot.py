"""A syrupy extension that snapshots CloudFormation templates."""

from __future__ import annotations

import json
from typing import Any

from syrupy.extensions.json import JSONSnapshotExtension

from cdk_containers.testing._mask import mask_template

__all__ = ["CdkTemplateSnapshotExtension"]


class CdkTemplateSnapshotExtension(JSONSnapshotExtension):
    """Snapshots a template (a ``dict`` or an ``assertions.Template``) as JSON.

    Volatile values are masked by :func:`cdk_containers.testing.mask_template`;
    everything else is compared. Keys are sorted so the snapshot is stable.

    Example:
        def test_my_stack(snapshot):
            template = Template.from_stack(stack)
            assert template == snapshot(extension_class=CdkTemplateSnapshotExtension)
    """

    def serialize(self, data: Any, **kwargs: Any) -> str:
        if hasattr(data, "to_json") and callable(data.to_json):
            data = data.to_json()
        if isinstance(data, dict):
            return json.dumps(mask_template(data), indent=2, sort_keys=True) + "\n"
        return str(super().serialize(data, **kwargs))
