"""EbsCsiDriver and EbsStorageClass."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import CfnParameter
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from cdk_containers.constructs.storage import (
    EbsCsiDriver,
    EbsFileSystemType,
    EbsStorageClass,
    EbsStorageClassOptions,
    EfsStorageClassOptions,
    ReclaimPolicy,
)
from tests.constructs.test_storage_common import logical_id, storage_stack

IO1, IO2 = ec2.EbsDeviceVolumeType.IO1, ec2.EbsDeviceVolumeType.IO2
EBS_POLICY = "arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"


@pytest.fixture(scope="module")
def built() -> tuple[EbsCsiDriver, dict[str, Any]]:
    stack, cluster = storage_stack()
    key = kms.Key(stack, "VolumeKey", enable_key_rotation=True)
    ebs = EbsCsiDriver(stack, "Ebs", cluster=cluster)
    ebs.add_storage_class(
        "Io2Db",
        EbsStorageClassOptions(
            name="io2-db", volume_type=IO2, iops=20000, encryption_key=key, fs_type=EbsFileSystemType.XFS
        ),
    )
    EbsStorageClass(
        stack,
        "Scaled",
        driver=ebs,
        options=EbsStorageClassOptions(name="gp3-scaled", iops_per_gb=50, throughput=500),
    )
    return ebs, Template.from_stack(stack).to_json()


@pytest.fixture(scope="module")
def template(built: tuple[EbsCsiDriver, dict[str, Any]]) -> dict[str, Any]:
    return built[1]


def _kubernetes_resources(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == "Custom::AWSCDK-EKS-KubernetesResource"]


def test_the_controller_role_holds_the_ebs_policy_and_trusts_pod_identity(template: dict[str, Any]) -> None:
    role_id = logical_id(template, "AWS::IAM::Role", "Ebs/ControllerRole")
    role = template["Resources"][role_id]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
            ]
        }
    ]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:TagSession"]


def test_the_controller_may_use_the_storage_class_s_kms_key_only_for_aws_resources(
    template: dict[str, Any],
) -> None:
    key_arn = {"Fn::GetAtt": [logical_id(template, "AWS::KMS::Key", "VolumeKey"), "Arn"]}
    policy = template["Resources"][logical_id(template, "AWS::IAM::Policy", "Ebs/ControllerRole")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert all(s["Resource"] == key_arn for s in statements)
    grant = next(s for s in statements if "kms:CreateGrant" in s["Action"])
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    actions = {a for s in statements for a in s["Action"]}
    assert "kms:Decrypt" in actions
    assert "kms:GenerateDataKeyWithoutPlaintext" in actions
    assert not any("*" in a for a in actions)


def test_the_default_class_is_encrypted_gp3_retained_and_the_cluster_default(
    built: tuple[EbsCsiDriver, dict[str, Any]],
) -> None:
    manifest = built[0].storage_classes["gp3"].document
    assert manifest == {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": "gp3", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "ebs.csi.aws.com",
        "parameters": {"type": "gp3", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"},
        "reclaimPolicy": "Retain",
        "volumeBindingMode": "WaitForFirstConsumer",
        "allowVolumeExpansion": True,
    }


def test_io2_class_carries_iops_the_key_arn_and_the_file_system(template: dict[str, Any]) -> None:
    key_id = logical_id(template, "AWS::KMS::Key", "VolumeKey")
    manifests = [r["Properties"]["Manifest"] for r in _kubernetes_resources(template)]
    io2 = next(m for m in manifests if "io2-db" in str(m))
    # The manifest is JSON joined with the key's ARN at deploy time.
    rendered = str(io2)
    for fragment in (
        '"type":"io2"',
        '"iops":"20000"',
        '"csi.storage.k8s.io/fstype":"xfs"',
        '"encrypted":"true"',
    ):
        assert fragment in rendered
    assert f"'Fn::GetAtt': ['{key_id}', 'Arn']" in rendered


def test_iops_per_gb_class_lets_small_volumes_reach_the_minimum(
    built: tuple[EbsCsiDriver, dict[str, Any]],
) -> None:
    parameters = built[0].storage_classes["gp3-scaled"].document["parameters"]
    assert parameters["iopsPerGB"] == "50"
    assert parameters["allowAutoIOPSPerGBIncrease"] == "true"
    assert parameters["throughput"] == "500"
    assert "iops" not in parameters


def test_opting_out_of_the_default_class_creates_no_class() -> None:
    _, cluster = storage_stack()
    ebs = EbsCsiDriver(cluster.node.scope, "Ebs", cluster=cluster, create_default_storage_class=False)
    assert ebs.storage_classes == {}
    Template.from_stack(cluster.cluster.stack).resource_count_is("Custom::AWSCDK-EKS-KubernetesResource", 0)


ST1, SC1, GP2 = ec2.EbsDeviceVolumeType.ST1, ec2.EbsDeviceVolumeType.SC1, ec2.EbsDeviceVolumeType.GP2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"iops": 4000, "iops_per_gb": 10},
            r"options.iops=4000 is invalid: either iops or iops_per_gb, not both",
        ),
        (
            {"volume_type": IO1, "iops": 1000, "throughput": 250},
            r"options.throughput=250 is invalid: only for gp3",
        ),
        ({"volume_type": ST1, "throughput": 250}, r"options.throughput=250 is invalid: only for gp3"),
        ({"iops": 2000}, r"options.iops=2000 is invalid: for gp3 an integer from 3000 to 80000"),
        (
            {"volume_type": IO1, "iops": 64001},
            r"options.iops=64001 is invalid: for io1 an integer from 100 to 64000",
        ),
        (
            {"volume_type": IO2, "iops": 50},
            r"options.iops=50 is invalid: for io2 an integer from 100 to 256000",
        ),
        (
            {"volume_type": IO1},
            r"options.iops=None is invalid: set \(or iops_per_gb\): io1 volumes need provisioned",
        ),
        ({"volume_type": IO2}, r"options.iops=None is invalid: set \(or iops_per_gb\): io2 volumes need"),
        (
            {"volume_type": SC1, "iops": 500},
            r"options.iops=500 is invalid: not set: sc1 volumes have no provisioned",
        ),
        (
            {"volume_type": IO1, "iops_per_gb": 51},
            r"options.iops_per_gb=51 is invalid: for io1 an integer from 1 to 50",
        ),
        ({"throughput": 2001}, r"options.throughput=2001 is invalid: for gp3 an integer from 125 to 2000"),
        ({"throughput": 125.5}, r"options.throughput=125.5 is invalid: for gp3 an integer"),
        ({"volume_type": IO2, "iops": "3000"}, r"options.iops='3000' is invalid: for io2 an integer"),
        (
            {"volume_type": IO1, "iops_per_gb": True},
            r"options.iops_per_gb=True is invalid: for io1 an integer",
        ),
        (
            {"volume_type": GP2},
            r"options.volume_type=.*GP2.* is invalid: an ec2.EbsDeviceVolumeType the driver",
        ),
        ({"volume_type": "gp3"}, r"options.volume_type='gp3' is invalid: an ec2.EbsDeviceVolumeType"),
        ({"fs_type": "btrfs"}, r"options.fs_type='btrfs' is invalid: a member of EbsFileSystemType"),
        (
            {"reclaim_policy": "Recycle"},
            r"options.reclaim_policy='Recycle' is invalid: a member of ReclaimPolicy \(RETAIN, DELETE\)",
        ),
        (
            {"reclaim_policy": "Delete"},
            r"options.reclaim_policy='Delete' is invalid: a member of ReclaimPolicy",
        ),
        ({"encrypted": "yes"}, r"options.encrypted='yes' is invalid: expected bool, got a str"),
        (
            {"encryption_key": "alias/ebs"},
            r"options.encryption_key='alias/ebs' is invalid: expected aws_kms.IKey",
        ),
        ({"default": 1}, r"options.default=1 is invalid: expected bool, got an int"),
    ],
)
def test_bad_ebs_storage_class_options_are_refused(
    spare: EbsCsiDriver, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=r"EbsStorageClass 'Storage/Ebs/Fast': " + message):
        spare.add_storage_class("Fast", EbsStorageClassOptions(name="fast", **kwargs))


@pytest.fixture(scope="module")
def spare() -> EbsCsiDriver:
    stack, cluster = storage_stack()
    return EbsCsiDriver(stack, "Ebs", cluster=cluster, create_default_storage_class=False)


@pytest.mark.parametrize("name", ["Fast", "fast_ssd", "-fast", "fast.", "a" * 254, ""])
def test_a_storage_class_name_that_is_not_dns_1123_is_refused(spare: EbsCsiDriver, name: str) -> None:
    with pytest.raises(ValueError, match=r"options.name=.* is invalid: a DNS-1123 subdomain"):
        spare.add_storage_class("Bad", EbsStorageClassOptions(name=name))


def test_every_problem_of_a_storage_class_is_reported_at_once(spare: EbsCsiDriver) -> None:
    with pytest.raises(ValueError, match=r"EbsStorageClass 'Storage/Ebs/X' has 2 invalid arguments"):
        spare.add_storage_class(
            "X", EbsStorageClassOptions(name="x", volume_type=IO1, throughput=200, iops=10)
        )


def test_a_storage_class_refuses_options_of_another_driver(spare: EbsCsiDriver) -> None:
    with pytest.raises(
        ValueError,
        match=r"EbsStorageClass 'Storage/Ebs/Other': options=.* is invalid: an instance of "
        r"EbsStorageClassOptions",
    ):
        spare.add_storage_class("Other", EfsStorageClassOptions(name="other"))  # type: ignore[arg-type]


def test_the_reclaim_policy_enum_renders_its_kubernetes_value(spare: EbsCsiDriver) -> None:
    added = spare.add_storage_class(
        "Scratch", EbsStorageClassOptions(name="scratch", reclaim_policy=ReclaimPolicy.DELETE)
    )
    assert added.document["reclaimPolicy"] == "Delete"


# -- how many volumes a node takes: node.reservedVolumeAttachments / node.volumeAttachLimit --------


def _ebs_addon(template: dict[str, Any]) -> dict[str, Any]:
    addons = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::EKS::Addon" and r["Properties"]["AddonName"] == "aws-ebs-csi-driver"
    ]
    assert len(addons) == 1, addons
    return addons[0]


def test_by_default_the_add_on_leaves_the_attachment_count_to_the_driver(template: dict[str, Any]) -> None:
    assert "ConfigurationValues" not in _ebs_addon(template)


def test_reserved_volume_attachments_become_the_add_on_s_node_configuration() -> None:
    stack, cluster = storage_stack()
    ebs = EbsCsiDriver(stack, "Ebs", cluster=cluster, reserved_volume_attachments=3)
    addon = _ebs_addon(Template.from_stack(stack).to_json())
    assert json.loads(addon["ConfigurationValues"]) == {"node": {"reservedVolumeAttachments": 3}}
    assert ebs.reserved_volume_attachments == 3
    assert ebs.volume_attach_limit is None


def test_a_deploy_time_volume_attach_limit_is_rendered_as_a_json_number() -> None:
    stack, cluster = storage_stack()
    limit = CfnParameter(stack, "AttachLimit", type="Number", default=20)
    EbsCsiDriver(stack, "Ebs", cluster=cluster, volume_attach_limit=limit.value_as_number)
    configuration = _ebs_addon(Template.from_stack(stack).to_json())["ConfigurationValues"]
    parts = ['{"node":{"volumeAttachLimit":', {"Ref": "AttachLimit"}, "}}"]
    assert configuration == {"Fn::Join": ["", parts]}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"reserved_volume_attachments": 0},
            r"reserved_volume_attachments=0 is invalid: an integer from 1 to 127 \(the root volume",
        ),
        ({"reserved_volume_attachments": -1}, r"reserved_volume_attachments=-1 is invalid: an integer from"),
        ({"reserved_volume_attachments": 128}, r"reserved_volume_attachments=128 is invalid: an integer"),
        ({"reserved_volume_attachments": True}, r"reserved_volume_attachments=True is invalid: an integer"),
        ({"reserved_volume_attachments": "3"}, r"reserved_volume_attachments='3' is invalid: an integer"),
        ({"volume_attach_limit": 0}, r"volume_attach_limit=0 is invalid: an integer from 1 to 128"),
        ({"volume_attach_limit": 129}, r"volume_attach_limit=129 is invalid: an integer from 1 to 128"),
        ({"volume_attach_limit": 20.5}, r"volume_attach_limit=20.5 is invalid: an integer from 1 to 128"),
        (
            {"reserved_volume_attachments": 3, "volume_attach_limit": 20},
            r"volume_attach_limit=20 is invalid: not set together with reserved_volume_attachments "
            r"\(reserved_volume_attachments=3\)",
        ),
        (
            {"reserved_volume_attachments": 3, "addon_version": "v1.27.1-eksbuild.1"},
            r"addon_version='v1.27.1-eksbuild.1' is invalid: v1.28.0 or later with "
            r"reserved_volume_attachments",
        ),
    ],
)
def test_bad_attachment_settings_are_refused_by_name(
    spare: EbsCsiDriver, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=r"EbsCsiDriver 'Storage/Ebs2': " + message):
        EbsCsiDriver(spare.cluster.node.scope, "Ebs2", cluster=spare.cluster, **kwargs)  # type: ignore[arg-type]


def test_a_recent_add_on_version_takes_reserved_volume_attachments(spare: EbsCsiDriver) -> None:
    # The add-on is installed on this cluster already: getting that far means the version passed.
    with pytest.raises(ValueError, match=r"add_addon\(name\)='aws-ebs-csi-driver' is invalid: an add-on not"):
        EbsCsiDriver(
            spare.cluster.node.scope,
            "Ebs3",
            cluster=spare.cluster,
            reserved_volume_attachments=3,
            addon_version="v1.28.0-eksbuild.1",
        )
