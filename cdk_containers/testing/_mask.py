"""Masking of template values that change without a change in behaviour."""

from __future__ import annotations

import copy
import re
from typing import Any

__all__ = ["mask_template", "ASSET_HASH", "CDK_HANDLER_RUNTIME", "BOOTSTRAP_VERSION"]

ASSET_HASH = "<asset-hash>"
CDK_HANDLER_RUNTIME = "<cdk-handler-runtime>"
BOOTSTRAP_VERSION = "<cdk-bootstrap-version>"

_HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")

#: Logical-id fragments of the Lambda functions CDK itself adds (custom
#: resource providers, singleton handlers, the kubectl provider). Their
#: runtime moves with every aws-cdk-lib release; a user's own functions keep
#: theirs in the snapshot.
CDK_HANDLER_ID_FRAGMENTS = (
    "CustomResourceProvider",
    "SingletonLambda",
    "KubectlProvider",
    "Providerframework",
    "AWS679f53fac002430cb0da5b7982bd2287",
)


def _mask_hashes(value: Any) -> Any:
    if isinstance(value, str):
        return _HASH.sub(ASSET_HASH, value)
    if isinstance(value, list):
        return [_mask_hashes(v) for v in value]
    if isinstance(value, dict):
        return {_HASH.sub(ASSET_HASH, k): _mask_hashes(v) for k, v in value.items()}
    return value


def _is_cdk_handler(logical_id: str) -> bool:
    return any(fragment in logical_id for fragment in CDK_HANDLER_ID_FRAGMENTS)


def mask_template(template: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``template`` with only the volatile values masked.

    Masked: 64-hex asset hashes anywhere (S3 keys, image tags, asset paths),
    the ``Runtime`` of CDK's own handler Lambdas, the ``BootstrapVersion``
    parameter and the rule that checks it. Everything else is kept, so a
    snapshot still shows every real property.
    """
    masked: dict[str, Any] = _mask_hashes(copy.deepcopy(template))
    for logical_id, resource in masked.get("Resources", {}).items():
        if resource.get("Type") == "AWS::Lambda::Function" and _is_cdk_handler(logical_id):
            properties = resource.get("Properties", {})
            if "Runtime" in properties:
                properties["Runtime"] = CDK_HANDLER_RUNTIME
    if "BootstrapVersion" in masked.get("Parameters", {}):
        masked["Parameters"]["BootstrapVersion"] = BOOTSTRAP_VERSION
    if "CheckBootstrapVersion" in masked.get("Rules", {}):
        masked["Rules"]["CheckBootstrapVersion"] = BOOTSTRAP_VERSION
    return masked
