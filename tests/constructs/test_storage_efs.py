"""EfsCsiDriver and EfsStorageClass."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_efs as efs
from aws_cdk.assertions import Template

from cdk_containers.constructs.storage import EfsCsiDriver, EfsStorageClassOptions, ReclaimPolicy
from tests.constructs.test_storage_common import logical_id, security_group_rules, storage_stack


@pytest.fixture(scope="module")
def built() -> tuple[EfsCsiDriver, dict[str, Any]]:
    stack, cluster = storage_stack()
    driver = EfsCsiDriver(stack, "Efs", cluster=cluster)
    driver.add_storage_class(
        "Efs", EfsStorageClassOptions(name="efs", gid_range=(1000, 2000), base_path="/dynamic")
    )
    driver.add_storage_class(
        "App", EfsStorageClassOptions(name="efs-app", directory_perms="0750", uid=1001, gid=1001)
    )
    return driver, Template.from_stack(stack).to_json()


@pytest.fixture(scope="module")
def template(built: tuple[EfsCsiDriver, dict[str, Any]]) -> dict[str, Any]:
    return built[1]


def test_the_controller_role_holds_the_efs_policy(template: dict[str, Any]) -> None:
    role_id = logical_id(template, "AWS::IAM::Role", "Efs/ControllerRole")
    arns = template["Resources"][role_id]["Properties"]["ManagedPolicyArns"]
    assert [arn["Fn::Join"][1][-1] for arn in arns] == [
        ":iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"
    ]


def test_the_file_system_is_encrypted_backed_up_and_retained(template: dict[str, Any]) -> None:
    file_system = template["Resources"][logical_id(template, "AWS::EFS::FileSystem", "Efs/FileSystem")]
    assert file_system["Properties"]["Encrypted"] is True
    assert file_system["Properties"]["BackupPolicy"] == {"Status": "ENABLED"}
    assert file_system["DeletionPolicy"] == "Retain"
    assert file_system["UpdateReplacePolicy"] == "Retain"


def test_the_file_system_admits_pods_that_mount_without_iam(template: dict[str, Any]) -> None:
    # Under @aws-cdk/aws-efs:denyAnonymousAccess (set in cdk.json) a default L2 file system
    # gets a policy that refuses clients without IAM auth, which is how the driver mounts.
    file_system = template["Resources"][logical_id(template, "AWS::EFS::FileSystem", "Efs/FileSystem")]
    assert "FileSystemPolicy" not in file_system["Properties"]


def test_a_mount_target_sits_in_each_node_subnet(template: dict[str, Any]) -> None:
    private = {
        logical_id(template, "AWS::EC2::Subnet", "VpcPrivateSubnet1"),
        logical_id(template, "AWS::EC2::Subnet", "VpcPrivateSubnet2"),
    }
    targets = [
        r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::EFS::MountTarget"
    ]
    assert {t["SubnetId"]["Ref"] for t in targets} == private
    group = logical_id(template, "AWS::EC2::SecurityGroup", "Efs/SecurityGroup")
    assert all(t["SecurityGroups"] == [{"Fn::GetAtt": [group, "GroupId"]}] for t in targets)


def test_the_mount_targets_admit_only_nfs_from_the_cluster_and_open_nothing_outbound(
    template: dict[str, Any],
) -> None:
    group = logical_id(template, "AWS::EC2::SecurityGroup", "Efs/SecurityGroup")
    assert security_group_rules(template, group) == {("tcp", 2049, 2049, "cluster")}
    # CDK's placeholder rule for "no egress": ICMP to 255.255.255.255/32.
    assert security_group_rules(template, group, egress=True) == {("icmp", 252, 86, "255.255.255.255/32")}


def test_the_storage_class_provisions_access_points_on_the_file_system(
    built: tuple[EfsCsiDriver, dict[str, Any]], template: dict[str, Any]
) -> None:
    manifest = built[0].storage_classes["efs"].document
    assert manifest["provisioner"] == "efs.csi.aws.com"
    assert manifest["reclaimPolicy"] == "Retain"
    assert manifest["volumeBindingMode"] == "Immediate"
    file_system_id = template["Resources"][logical_id(template, "AWS::EFS::FileSystem", "Efs/FileSystem")]
    assert file_system_id
    parameters = manifest["parameters"]
    assert parameters.pop("fileSystemId").startswith("${Token[")
    assert parameters == {
        "provisioningMode": "efs-ap",
        "directoryPerms": "700",
        "gidRangeStart": "1000",
        "gidRangeEnd": "2000",
        "basePath": "/dynamic",
    }


def test_the_storage_class_manifest_refers_to_the_file_system(template: dict[str, Any]) -> None:
    file_system = logical_id(template, "AWS::EFS::FileSystem", "Efs/FileSystem")
    manifests = [
        str(r["Properties"]["Manifest"])
        for r in template["Resources"].values()
        if r["Type"] == "Custom::AWSCDK-EKS-KubernetesResource"
    ]
    efs_classes = [m for m in manifests if "efs.csi.aws.com" in m]
    assert len(efs_classes) == 2
    assert all(f"'Ref': '{file_system}'" in m for m in efs_classes)


def test_a_fixed_uid_and_gid_class_sets_both(built: tuple[EfsCsiDriver, dict[str, Any]]) -> None:
    parameters = built[0].storage_classes["efs-app"].document["parameters"]
    assert (parameters["uid"], parameters["gid"], parameters["directoryPerms"]) == ("1001", "1001", "0750")


def test_a_static_volume_mounts_the_file_system_or_an_access_point_over_tls(
    built: tuple[EfsCsiDriver, dict[str, Any]],
) -> None:
    driver = built[0]
    access_point = efs.AccessPoint.from_access_point_attributes(
        driver, "ImportedAp", access_point_id="fsap-0123", file_system=driver.file_system
    )
    volume = driver.static_volume_manifest("shared-data", access_point=access_point)
    assert volume["kind"] == "PersistentVolume"
    assert volume["spec"]["csi"]["driver"] == "efs.csi.aws.com"
    assert volume["spec"]["csi"]["volumeHandle"].endswith("::fsap-0123")
    assert volume["spec"]["mountOptions"] == ["tls"]
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert volume["spec"]["storageClassName"] == ""


def test_an_existing_file_system_admits_nfs_from_the_cluster() -> None:
    stack, cluster = storage_stack()
    group = ec2.SecurityGroup(stack, "ExistingSg", vpc=cluster.vpc)
    existing = efs.FileSystem.from_file_system_attributes(
        stack, "Existing", file_system_id="fs-0123", security_group=group
    )
    driver = EfsCsiDriver(stack, "Efs", cluster=cluster, file_system=existing)
    assert driver.security_group is None
    template = Template.from_stack(stack).to_json()
    assert security_group_rules(template, logical_id(template, "AWS::EC2::SecurityGroup", "ExistingSg")) == {
        ("tcp", 2049, 2049, "cluster")
    }
    assert not any(r["Type"] == "AWS::EFS::FileSystem" for r in template["Resources"].values())


def test_a_removal_policy_opt_out_is_honoured() -> None:
    stack, cluster = storage_stack()
    EfsCsiDriver(stack, "Efs", cluster=cluster, removal_policy=RemovalPolicy.DESTROY)
    Template.from_stack(stack).has_resource("AWS::EFS::FileSystem", {"DeletionPolicy": "Delete"})


@pytest.fixture(scope="module")
def spare() -> EfsCsiDriver:
    stack, cluster = storage_stack()
    return EfsCsiDriver(stack, "Efs", cluster=cluster)


@pytest.mark.parametrize("perms", ["777x", "800", "rwx", "7", "07777", 700])
def test_directory_perms_that_are_not_an_octal_mode_are_refused(spare: EfsCsiDriver, perms: Any) -> None:
    with pytest.raises(
        ValueError,
        match=r"EfsStorageClass 'Storage/Efs/Efs': options.directory_perms=.* is invalid: an octal file mode",
    ):
        spare.add_storage_class("Efs", EfsStorageClassOptions(name="efs", directory_perms=perms))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"gid": 5, "gid_range": (1, 9)},
            r"options.gid_range=\(1, 9\) is invalid: not set together with a fixed gid",
        ),
        ({"gid_range": (9, 1)}, r"options.gid_range=\(9, 1\) is invalid"),
        ({"gid_range": (1, 2, 3)}, r"options.gid_range=\(1, 2, 3\) is invalid: \(start, end\)"),
        (
            {"gid_range": "1000-2000"},
            r"options.gid_range='1000-2000' is invalid: expected a list of int, got a single",
        ),
        ({"uid": -1}, r"options.uid=-1 is invalid: an integer from 0 to 2147483647"),
        ({"uid": "1000"}, r"options.uid='1000' is invalid: an integer from 0 to 2147483647, got a str"),
        ({"gid_range": ("1", 9)}, r"options.gid_range\[0\]='1' is invalid: expected int, got a str"),
        ({"base_path": "dynamic"}, r"options.base_path='dynamic' is invalid: an absolute path"),
        ({"base_path": ["/a"]}, r"options.base_path=\['/a'\] is invalid: expected str, got a list"),
        ({"name": "EFS"}, r"options.name='EFS' is invalid: a DNS-1123 subdomain"),
        ({"name": None}, r"options.name=None is invalid: a value is required"),
        (
            {"ensure_unique_directory": "false"},
            r"options.ensure_unique_directory='false' is invalid: expected bool",
        ),
        (
            {"reclaim_policy": ReclaimPolicy},
            r"options.reclaim_policy=.* is invalid: a member of ReclaimPolicy",
        ),
    ],
)
def test_bad_efs_storage_class_options_are_refused(
    spare: EfsCsiDriver, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        spare.add_storage_class("Bad", EfsStorageClassOptions(**{"name": "efs", **kwargs}))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"file_system": "fs-0123"},
            r"file_system='fs-0123' is invalid: expected aws_efs.IFileSystem, got a str",
        ),
        ({"encryption_key": "alias/efs"}, r"encryption_key='alias/efs' is invalid: expected aws_kms.IKey"),
        (
            {"removal_policy": "RETAIN"},
            r"removal_policy='RETAIN' is invalid: expected RemovalPolicy, got a str",
        ),
        ({"addon_version": 2}, r"addon_version=2 is invalid: expected str, got an int"),
        (
            {"cluster": "my-cluster"},
            r"cluster='my-cluster' is invalid: an EksCluster, or an object with the members",
        ),
    ],
)
def test_bad_efs_driver_arguments_are_refused(
    spare: EfsCsiDriver, kwargs: dict[str, Any], message: str
) -> None:
    arguments = {"cluster": spare.cluster, **kwargs}
    with pytest.raises(ValueError, match=r"EfsCsiDriver 'Storage/Bad': " + message):
        EfsCsiDriver(spare.node.scope, "Bad", **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("Data", {}, r"name='Data' is invalid: a DNS-1123 subdomain"),
        ("data", {"capacity": 5}, r"capacity=5 is invalid: expected str, got an int"),
        ("data", {"capacity": "5 GB"}, r"capacity='5 GB' is invalid: a quantity like '5Gi'"),
        (
            "data",
            {"access_point": "fsap-1"},
            r"access_point='fsap-1' is invalid: expected aws_efs.IAccessPoint",
        ),
    ],
)
def test_bad_static_volumes_are_refused(
    spare: EfsCsiDriver, name: str, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        spare.static_volume_manifest(name, **kwargs)
