"""The snapshot mask hides only what changes without a behaviour change."""

from __future__ import annotations

from cdk_containers.testing import mask_template

HASH = "02b51ab524e7bcf8f477de3e71e5f9a72e448301b26ba62e9e75a14f9c55a093"


def _template() -> dict:
    return {
        "Resources": {
            "CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Code": {"S3Key": f"{HASH}.zip"}, "Runtime": "nodejs24.x", "Timeout": 900},
                "Metadata": {"aws:asset:path": f"asset.{HASH}"},
            },
            "MyFunction": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12"}},
        },
        "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>"}},
        "Rules": {"CheckBootstrapVersion": {"Assertions": []}},
    }


def test_asset_hashes_are_masked_wherever_they_appear() -> None:
    handler = mask_template(_template())["Resources"][
        "CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E"
    ]
    assert handler["Properties"]["Code"]["S3Key"] == "<asset-hash>.zip"
    assert handler["Metadata"]["aws:asset:path"] == "asset.<asset-hash>"


def test_only_cdk_handler_runtimes_are_masked() -> None:
    resources = mask_template(_template())["Resources"]
    handler = resources["CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E"]
    assert handler["Properties"]["Runtime"] == "<cdk-handler-runtime>"
    assert handler["Properties"]["Timeout"] == 900
    assert resources["MyFunction"]["Properties"]["Runtime"] == "python3.12"


def test_bootstrap_version_is_masked() -> None:
    masked = mask_template(_template())
    assert masked["Parameters"]["BootstrapVersion"] == "<cdk-bootstrap-version>"
    assert masked["Rules"]["CheckBootstrapVersion"] == "<cdk-bootstrap-version>"


def test_masking_does_not_modify_the_input() -> None:
    template = _template()
    mask_template(template)
    assert template == _template()


def test_other_hex_strings_are_kept() -> None:
    value = {"Resources": {"R": {"Type": "X", "Properties": {"Id": "abc123", "Long": "f" * 65}}}}
    assert mask_template(value) == value
