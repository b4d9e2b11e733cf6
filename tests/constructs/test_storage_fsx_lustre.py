"""FsxLustreCsiDriver and FsxLustreStorageClass."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_fsx as fsx
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from cdk_containers.constructs.eks import EksCluster
from cdk_containers.constructs.storage import FsxLustreCsiDriver, FsxLustreStorageClassOptions
from tests.constructs.test_storage_common import logical_id, security_group_rules, storage_stack

LUSTRE_RULES = {("tcp", 988, 988), ("tcp", 1018, 1023)}


@pytest.fixture(scope="module")
def built() -> tuple[FsxLustreCsiDriver, EksCluster, dict[str, Any]]:
    stack, cluster = storage_stack()
    key = kms.Key(stack, "LustreKey", enable_key_rotation=True)
    driver = FsxLustreCsiDriver(stack, "Lustre", cluster=cluster)
    driver.add_storage_class(
        "Lustre",
        FsxLustreStorageClassOptions(name="lustre", encryption_key=key, per_unit_storage_throughput=250),
    )
    driver.add_storage_class(
        "Scratch",
        FsxLustreStorageClassOptions(
            name="scratch",
            deployment_type=fsx.LustreDeploymentType.SCRATCH_2,
            data_compression=fsx.LustreDataCompressionType.NONE,
            flock=False,
        ),
    )
    return driver, cluster, Template.from_stack(stack).to_json()


@pytest.fixture(scope="module")
def template(built: tuple[FsxLustreCsiDriver, EksCluster, dict[str, Any]]) -> dict[str, Any]:
    return built[2]


@pytest.fixture(scope="module")
def driver(built: tuple[FsxLustreCsiDriver, EksCluster, dict[str, Any]]) -> FsxLustreCsiDriver:
    return built[0]


def test_the_controller_can_manage_file_systems_and_fsx_s_service_linked_role(
    template: dict[str, Any],
) -> None:
    policy = template["Resources"][logical_id(template, "AWS::IAM::Policy", "Lustre/ControllerRole")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {
        "fsx:CreateFileSystem",
        "fsx:DeleteFileSystem",
        "fsx:DescribeFileSystems",
        "fsx:UpdateFileSystem",
        "iam:CreateServiceLinkedRole",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
    } <= actions
    slr = next(s for s in statements if s["Action"] == "iam:CreateServiceLinkedRole")
    assert slr["Condition"] == {"StringLike": {"iam:AWSServiceName": ["fsx.amazonaws.com"]}}
    delete = next(s for s in statements if "fsx:DeleteFileSystem" in s["Action"])
    assert delete["Resource"]["Fn::Join"][1][-1] == ":file-system/*"
    # Creation is authorized on the new file system's ARN: this account and region only.
    create = next(s for s in statements if "fsx:CreateFileSystem" in s["Action"])
    assert create["Resource"]["Fn::Join"][1][-1] == ":file-system/*"
    key_arn = {"Fn::GetAtt": [logical_id(template, "AWS::KMS::Key", "LustreKey"), "Arn"]}
    assert any(s["Resource"] == key_arn and "kms:CreateGrant" in s["Action"] for s in statements)


def test_the_security_group_admits_exactly_lustre_from_the_cluster_and_itself(
    template: dict[str, Any],
) -> None:
    group = logical_id(template, "AWS::EC2::SecurityGroup", "Lustre/SecurityGroup")
    expected = {(*ports, peer) for ports in LUSTRE_RULES for peer in ("cluster", "self")}
    assert security_group_rules(template, group) == expected
    assert security_group_rules(template, group, egress=True) == expected


def test_the_cluster_security_group_admits_lustre_back_from_the_file_servers(
    template: dict[str, Any],
) -> None:
    group = logical_id(template, "AWS::EC2::SecurityGroup", "Lustre/SecurityGroup")
    back = {
        (r["Properties"]["IpProtocol"], r["Properties"]["FromPort"], r["Properties"]["ToPort"])
        for r in template["Resources"].values()
        if r["Type"] == "AWS::EC2::SecurityGroupIngress"
        and r["Properties"]["SourceSecurityGroupId"] == {"Fn::GetAtt": [group, "GroupId"]}
        and r["Properties"]["GroupId"].get("Fn::GetAtt", [None, None])[1] == "ClusterSecurityGroupId"
    }
    assert back == LUSTRE_RULES


def test_the_persistent_class_has_the_documented_parameters_and_flock(driver: FsxLustreCsiDriver) -> None:
    manifest = driver.storage_classes["lustre"].document
    assert manifest["provisioner"] == "fsx.csi.aws.com"
    assert manifest["mountOptions"] == ["flock"]
    assert manifest["reclaimPolicy"] == "Retain"
    parameters = manifest["parameters"]
    assert set(parameters) == {
        "subnetId",
        "securityGroupIds",
        "deploymentType",
        "perUnitStorageThroughput",
        "dataCompressionType",
        "kmsKeyId",
        "fileSystemTypeVersion",
    }
    assert parameters["fileSystemTypeVersion"] == "2.15"
    assert parameters["deploymentType"] == "PERSISTENT_2"
    assert parameters["perUnitStorageThroughput"] == "250"
    assert parameters["dataCompressionType"] == "LZ4"


def test_the_class_uses_one_node_subnet_and_the_driver_s_security_group(template: dict[str, Any]) -> None:
    subnet = logical_id(template, "AWS::EC2::Subnet", "VpcPrivateSubnet1")
    group = logical_id(template, "AWS::EC2::SecurityGroup", "Lustre/SecurityGroup")
    manifests = [
        str(r["Properties"]["Manifest"])
        for r in template["Resources"].values()
        if r["Type"] == "Custom::AWSCDK-EKS-KubernetesResource" and "fsx.csi.aws.com" in str(r["Properties"])
    ]
    assert len(manifests) == 2
    assert all(f"'Ref': '{subnet}'" in m and f"'Fn::GetAtt': ['{group}', 'GroupId']" in m for m in manifests)


def test_a_scratch_class_has_no_throughput_key_or_flock(driver: FsxLustreCsiDriver) -> None:
    manifest = driver.storage_classes["scratch"].document
    assert "mountOptions" not in manifest
    assert manifest["parameters"]["deploymentType"] == "SCRATCH_2"
    assert manifest["parameters"]["dataCompressionType"] == "NONE"
    assert "perUnitStorageThroughput" not in manifest["parameters"]
    assert "kmsKeyId" not in manifest["parameters"]
    assert "fileSystemTypeVersion" not in manifest["parameters"]


def test_a_class_can_choose_its_lustre_version(driver: FsxLustreCsiDriver) -> None:
    added = driver.add_storage_class(
        "Old", FsxLustreStorageClassOptions(name="lustre-212", file_system_type_version="2.12")
    )
    assert added.document["parameters"]["fileSystemTypeVersion"] == "2.12"


def test_a_class_takes_one_subnet_given_directly(
    built: tuple[FsxLustreCsiDriver, EksCluster, dict[str, Any]],
) -> None:
    driver, cluster, _ = built
    subnet = cluster.vpc.private_subnets[1]
    driver.add_storage_class("LustreB", FsxLustreStorageClassOptions(name="lustre-b", subnet=subnet))
    assert driver.storage_classes["lustre-b"].document["parameters"]["subnetId"] == subnet.subnet_id


@pytest.mark.parametrize(
    ("selection", "count"),
    [
        (ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS), 2),
        (ec2.SubnetSelection(subnets=[]), 0),
    ],
)
def test_a_lustre_class_without_exactly_one_subnet_is_refused(
    driver: FsxLustreCsiDriver, selection: ec2.SubnetSelection, count: int
) -> None:
    with pytest.raises(
        ValueError,
        match=rf"FsxLustreStorageClass 'Storage/Lustre/Bad{count}': options.subnet='a selection matching "
        rf"{count} subnets' is invalid: exactly one subnet",
    ):
        driver.add_storage_class(
            f"Bad{count}", FsxLustreStorageClassOptions(name=f"bad-{count}", subnet=selection)
        )


SCRATCH_1, SCRATCH_2 = fsx.LustreDeploymentType.SCRATCH_1, fsx.LustreDeploymentType.SCRATCH_2
PERSISTENT_1, PERSISTENT_2 = fsx.LustreDeploymentType.PERSISTENT_1, fsx.LustreDeploymentType.PERSISTENT_2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"deployment_type": SCRATCH_2, "per_unit_storage_throughput": 125},
            r"options.per_unit_storage_throughput=125 is invalid: not set: SCRATCH_2 has no per-unit "
            r"throughput",
        ),
        (
            {"deployment_type": PERSISTENT_2, "per_unit_storage_throughput": 200},
            r"options.per_unit_storage_throughput=200 is invalid: for PERSISTENT_2 one of "
            r"\[125, 250, 500, 1000\]",
        ),
        (
            {"deployment_type": PERSISTENT_1, "per_unit_storage_throughput": 125},
            r"options.per_unit_storage_throughput=125 is invalid: for PERSISTENT_1 one of \[50, 100, 200\]",
        ),
        (
            {"deployment_type": "PERSISTENT_2"},
            r"options.deployment_type='PERSISTENT_2' is invalid: a member of fsx.LustreDeploymentType",
        ),
        (
            {"data_compression": "LZ4"},
            r"options.data_compression='LZ4' is invalid: a member of fsx.LustreDataCompressionType",
        ),
        ({"name": "Lustre"}, r"options.name='Lustre' is invalid: a DNS-1123 subdomain"),
        ({"flock": "true"}, r"options.flock='true' is invalid: expected bool, got a str"),
        (
            {"file_system_type_version": "2.10"},
            r"options.file_system_type_version='2.10' is invalid: for PERSISTENT_2 one of \['2.12', '2.15'\]",
        ),
        (
            {"deployment_type": SCRATCH_2, "file_system_type_version": 2.15},
            r"options.file_system_type_version=2.15 is invalid: for SCRATCH_2 one of",
        ),
        (
            {"subnet": "subnet-0123"},
            r"options.subnet='subnet-0123' is invalid: expected aws_ec2.ISubnet, got a str",
        ),
        (
            {"encryption_key": "alias/fsx"},
            r"options.encryption_key='alias/fsx' is invalid: expected aws_kms.IKey",
        ),
    ],
)
def test_bad_lustre_storage_class_options_are_refused(
    driver: FsxLustreCsiDriver, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=r"FsxLustreStorageClass 'Storage/Lustre/Bad': " + message):
        driver.add_storage_class("Bad", FsxLustreStorageClassOptions(**{"name": "lustre", **kwargs}))


def test_a_kms_key_on_a_scratch_class_is_refused(driver: FsxLustreCsiDriver) -> None:
    key = kms.Key.from_key_arn(driver, "Imported", "arn:aws:kms:eu-west-1:111111111111:key/abc")
    with pytest.raises(
        ValueError, match=r"options.encryption_key=.* is invalid: not set: SCRATCH_1 file systems use the FSx"
    ):
        driver.add_storage_class(
            "Scratch1", FsxLustreStorageClassOptions(name="s", deployment_type=SCRATCH_1, encryption_key=key)
        )
