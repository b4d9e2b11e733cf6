"""EbsCsiDriver and EbsStorageClass."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from cdk_containers.constructs.storage import EbsCsiDriver, EbsStorageClass
from tests.constructs.test_storage_common import logical_id, storage_stack

EBS_POLICY = "arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"


@pytest.fixture(scope="module")
def built() -> tuple[EbsCsiDriver, dict[str, Any]]:
    stack, cluster = storage_stack()
    key = kms.Key(stack, "VolumeKey", enable_key_rotation=True)
    ebs = EbsCsiDriver(stack, "Ebs", cluster=cluster)
    ebs.add_storage_class(
        EbsStorageClass(name="io2-db", volume_type="io2", iops=20000, kms_key=key, fs_type="xfs")
    )
    ebs.add_storage_class(EbsStorageClass(name="gp3-scaled", iops_per_gb=50, throughput=500))
    return ebs, Template.from_stack(stack).to_json()


@pytest.fixture(scope="module")
def template(built: tuple[EbsCsiDriver, dict[str, Any]]) -> dict[str, Any]:
    return built[1]


def _kubernetes_resources(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == "Custom::AWSCDK-EKS-KubernetesResource"]


def test_the_add_on_exists_and_depends_on_the_node_group(template: dict[str, Any]) -> None:
    addon = template["Resources"][logical_id(template, "AWS::EKS::Addon", "AwsEbsCsiDriverAddon")]
    assert addon["Properties"]["AddonName"] == "aws-ebs-csi-driver"
    nodegroup = logical_id(template, "AWS::EKS::Nodegroup", "Nodes")
    assert nodegroup in addon["DependsOn"]


def test_the_add_on_waits_for_the_controller_s_pod_identity(template: dict[str, Any]) -> None:
    addon = template["Resources"][logical_id(template, "AWS::EKS::Addon", "AwsEbsCsiDriverAddon")]
    association = logical_id(template, "AWS::EKS::PodIdentityAssociation", "EbsCsiController")
    assert association in addon["DependsOn"]


def test_the_controller_service_account_gets_the_ebs_policy_through_pod_identity(
    template: dict[str, Any],
) -> None:
    role_id = logical_id(template, "AWS::IAM::Role", "Ebs/ControllerRole")
    association = template["Resources"][
        logical_id(template, "AWS::EKS::PodIdentityAssociation", "EbsCsiController")
    ]
    assert association["Properties"]["Namespace"] == "kube-system"
    assert association["Properties"]["ServiceAccount"] == "ebs-csi-controller-sa"
    assert association["Properties"]["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
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
    manifest = built[0].storage_classes["gp3"]
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
    parameters = built[0].storage_classes["gp3-scaled"]["parameters"]
    assert parameters["iopsPerGB"] == "50"
    assert parameters["allowAutoIOPSPerGBIncrease"] == "true"
    assert parameters["throughput"] == "500"
    assert "iops" not in parameters


def test_opting_out_of_the_default_class_creates_no_class() -> None:
    _, cluster = storage_stack()
    ebs = EbsCsiDriver(cluster.node.scope, "Ebs", cluster=cluster, create_default_storage_class=False)
    assert ebs.storage_classes == {}
    assert cluster.manifests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"iops": 4000, "iops_per_gb": 10}, r"iops=4000 is invalid: either iops or iops_per_gb, not both"),
        ({"volume_type": "io1", "iops": 1000, "throughput": 250}, r"throughput=250 is invalid: only for gp3"),
        ({"volume_type": "st1", "throughput": 250}, r"throughput=250 is invalid: only for gp3"),
        ({"iops": 2000}, r"iops=2000 is invalid: for gp3 an integer from 3000 to 80000"),
        (
            {"volume_type": "io1", "iops": 64001},
            r"iops=64001 is invalid: for io1 an integer from 100 to 64000",
        ),
        ({"volume_type": "io2", "iops": 50}, r"iops=50 is invalid: for io2 an integer from 100 to 256000"),
        (
            {"volume_type": "io1"},
            r"iops=None is invalid: set \(or iops_per_gb\): io1 volumes need provisioned IOPS",
        ),
        ({"volume_type": "io2"}, r"iops=None is invalid: set \(or iops_per_gb\): io2 volumes need"),
        (
            {"volume_type": "sc1", "iops": 500},
            r"iops=500 is invalid: not set: sc1 volumes have no provisioned",
        ),
        (
            {"volume_type": "io1", "iops_per_gb": 51},
            r"iops_per_gb=51 is invalid: for io1 an integer from 1 to 50",
        ),
        ({"throughput": 2001}, r"throughput=2001 is invalid: for gp3 an integer from 125 to 2000"),
        ({"throughput": 125.5}, r"throughput=125.5 is invalid: for gp3 an integer"),
        ({"volume_type": "io2", "iops": "3000"}, r"iops='3000' is invalid: for io2 an integer"),
        ({"volume_type": "io1", "iops_per_gb": True}, r"iops_per_gb=True is invalid: for io1 an integer"),
        (
            {"volume_type": "gp2"},
            r"volume_type='gp2' is invalid: one of \['gp3', 'io1', 'io2', 'st1', 'sc1'\]",
        ),
        ({"fs_type": "btrfs"}, r"fs_type='btrfs' is invalid"),
        (
            {"reclaim_policy": "Recycle"},
            r"reclaim_policy='Recycle' is invalid: one of \['Retain', 'Delete'\]",
        ),
    ],
)
def test_bad_ebs_storage_class_options_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=r"EbsStorageClass 'fast': " + message):
        EbsStorageClass(name="fast", **kwargs)


@pytest.mark.parametrize("name", ["Fast", "fast_ssd", "-fast", "fast.", "a" * 254, ""])
def test_a_storage_class_name_that_is_not_dns_1123_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"name=.* is invalid: a DNS-1123 subdomain"):
        EbsStorageClass(name=name)


def test_every_problem_of_a_storage_class_is_reported_at_once() -> None:
    with pytest.raises(ValueError, match=r"EbsStorageClass 'x' has 2 invalid arguments"):
        EbsStorageClass(name="x", volume_type="io1", throughput=200, iops=10)
