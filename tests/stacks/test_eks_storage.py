"""The storage part of EksClusterStack: four CSI drivers, one StorageClass each.

The stack's snapshot (tests/stacks/test_eks_cluster.py) covers the storage part too; these are
the fine-grained assertions.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cdk_containers.testing import SynthResult
from tests.conftest import REPO_ROOT
from tests.constructs.test_storage_common import logical_id, security_group_rules
from tests.support import kubernetes_objects, resources_of_type

#: add-on name -> (namespace, service account, construct id of the association)
DRIVERS = {
    "aws-ebs-csi-driver": ("kube-system", "ebs-csi-controller-sa", "EbsCsiController"),
    "aws-efs-csi-driver": ("kube-system", "efs-csi-controller-sa", "EfsCsiController"),
    "aws-fsx-csi-driver": ("kube-system", "fsx-csi-controller-sa", "FsxCsiController"),
    "netapp_trident-operator": ("trident", "trident-controller", "TridentController"),
}


@pytest.fixture(scope="module")
def template(example_synth: SynthResult) -> dict[str, Any]:
    return example_synth.template_json("EksClusterStack")


@pytest.mark.parametrize("addon_name", sorted(DRIVERS))
def test_each_driver_add_on_depends_on_every_node_group_and_its_pod_identity(
    template: dict[str, Any], addon_name: str
) -> None:
    addon_id, addon = next(
        (k, v)
        for k, v in resources_of_type(template, "AWS::EKS::Addon").items()
        if v["Properties"]["AddonName"] == addon_name
    )
    depends_on = set(addon["DependsOn"])
    node_groups = set(resources_of_type(template, "AWS::EKS::Nodegroup")) | set(
        resources_of_type(template, "AWS::AutoScaling::AutoScalingGroup")
    )
    assert node_groups, "the example has node groups"
    assert node_groups <= depends_on, f"{addon_id} does not wait for {node_groups - depends_on}"
    association = logical_id(template, "AWS::EKS::PodIdentityAssociation", DRIVERS[addon_name][2])
    assert association in depends_on


@pytest.mark.parametrize("addon_name", sorted(DRIVERS))
def test_each_driver_add_on_waits_for_its_controller_role_and_every_policy_of_it(
    template: dict[str, Any], addon_name: str
) -> None:
    # The controller calls AWS as soon as it starts: a policy attached after the add-on
    # is created would refuse its first calls.
    _, _, construct_id = DRIVERS[addon_name]
    addons = resources_of_type(template, "AWS::EKS::Addon").values()
    addon = next(v for v in addons if v["Properties"]["AddonName"] == addon_name)
    association = template["Resources"][
        logical_id(template, "AWS::EKS::PodIdentityAssociation", construct_id)
    ]
    role_id = association["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    policies = {
        key
        for key, resource in template["Resources"].items()
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        and {"Ref": role_id} in resource["Properties"].get("Roles", [])
    }
    assert {role_id, *policies} <= set(addon["DependsOn"])
    if addon_name in ("aws-fsx-csi-driver", "netapp_trident-operator"):  # EBS/EFS: AWS managed only
        assert policies, f"{addon_name}: no policy of its own found"


@pytest.mark.parametrize("addon_name", sorted(DRIVERS))
def test_each_controller_service_account_is_bound_to_a_pod_identity_role(
    template: dict[str, Any], addon_name: str
) -> None:
    namespace, service_account, construct_id = DRIVERS[addon_name]
    association = template["Resources"][
        logical_id(template, "AWS::EKS::PodIdentityAssociation", construct_id)
    ]
    assert association["Properties"]["Namespace"] == namespace
    assert association["Properties"]["ServiceAccount"] == service_account
    role_id = association["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    trust = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    cluster = logical_id(template, "AWS::EKS::Cluster", "Eks/Cluster")
    # Only Pod Identity sessions of this service account in this cluster (EKS session tags).
    assert trust == [
        {
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "StringEquals": {
                    "aws:RequestTag/eks-cluster-arn": {"Fn::GetAtt": [cluster, "Arn"]},
                    "aws:RequestTag/kubernetes-namespace": namespace,
                    "aws:RequestTag/kubernetes-service-account": service_account,
                }
            },
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
        }
    ]


def _managed_policy_names(template: dict[str, Any], role_fragment: str) -> list[str]:
    role = template["Resources"][logical_id(template, "AWS::IAM::Role", role_fragment)]["Properties"]
    return [arn["Fn::Join"][1][-1].rsplit("/", 1)[-1] for arn in role.get("ManagedPolicyArns", [])]


def test_ebs_and_efs_controllers_have_their_aws_managed_policies(template: dict[str, Any]) -> None:
    assert _managed_policy_names(template, "StorageEbsControllerRole") == ["AmazonEBSCSIDriverPolicy"]
    assert _managed_policy_names(template, "StorageEfsControllerRole") == ["AmazonEFSCSIDriverPolicy"]


def test_the_fsx_controller_can_create_file_systems_with_the_stack_key(template: dict[str, Any]) -> None:
    policy = template["Resources"][logical_id(template, "AWS::IAM::Policy", "StorageLustreControllerRole")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {"fsx:CreateFileSystem", "fsx:DeleteFileSystem", "kms:CreateGrant"} <= actions
    key = logical_id(template, "AWS::KMS::Key", "StorageFileSystemKey")
    assert any(s["Resource"] == {"Fn::GetAtt": [key, "Arn"]} for s in statements)


def test_the_fsx_controller_resizes_and_deletes_only_file_systems_it_tagged(template: dict[str, Any]) -> None:
    policy = template["Resources"][logical_id(template, "AWS::IAM::Policy", "StorageLustreControllerRole")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]

    def allowing(action: str) -> list[dict[str, Any]]:
        return [
            s
            for s in statements
            if action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        ]

    for action in ("fsx:DeleteFileSystem", "fsx:UpdateFileSystem"):
        (statement,) = allowing(action)
        # The FSx CSI driver tags every file system it creates with CSIVolumeName; the ONTAP
        # file system of the same stack does not carry it.
        assert statement["Condition"] == {"Null": {"aws:ResourceTag/CSIVolumeName": "false"}}
    (grant,) = allowing("kms:CreateGrant")
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    ontap = template["Resources"][logical_id(template, "AWS::FSx::FileSystem", "StorageOntapFileSystem")]
    assert "CSIVolumeName" not in json.dumps(ontap)


def test_trident_has_a_customer_managed_policy_reading_only_the_svm_secret(template: dict[str, Any]) -> None:
    policy = template["Resources"][
        logical_id(template, "AWS::IAM::ManagedPolicy", "StorageOntapTridentPolicy")
    ]
    assert policy["Properties"]["Roles"] == [
        {"Ref": logical_id(template, "AWS::IAM::Role", "StorageOntapTridentRole")}
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    secret = next(s for s in statements if s["Action"] == "secretsmanager:GetSecretValue")
    assert secret["Resource"] == {
        "Ref": logical_id(template, "AWS::SecretsManager::Secret", "StorageOntapSvmAdminSecret")
    }


def test_backing_file_systems_are_encrypted_and_retained(template: dict[str, Any]) -> None:
    key = logical_id(template, "AWS::KMS::Key", "StorageFileSystemKey")
    assert template["Resources"][key]["Properties"]["EnableKeyRotation"] is True
    efs = template["Resources"][logical_id(template, "AWS::EFS::FileSystem", "StorageEfsFileSystem")]
    assert efs["Properties"]["Encrypted"] is True
    ontap = template["Resources"][logical_id(template, "AWS::FSx::FileSystem", "StorageOntapFileSystem")]
    assert ontap["Properties"]["KmsKeyId"] == {"Ref": key}
    svm = template["Resources"][logical_id(template, "AWS::FSx::StorageVirtualMachine", "StorageOntapSvm")]
    for resource in (template["Resources"][key], efs, ontap, svm):
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_no_password_is_in_the_template_in_plain_text(template: dict[str, Any]) -> None:
    ontap = template["Resources"][logical_id(template, "AWS::FSx::FileSystem", "StorageOntapFileSystem")]
    svm = template["Resources"][logical_id(template, "AWS::FSx::StorageVirtualMachine", "StorageOntapSvm")]
    for value in (
        ontap["Properties"]["OntapConfiguration"]["FsxAdminPassword"],
        svm["Properties"]["SvmAdminPassword"],
    ):
        assert value["Fn::Join"][1][0] == "{{resolve:secretsmanager:"


def ports_table() -> dict[str, set[tuple[str, int, int, str]]]:
    """The ports table of docs/storage.md: security group -> {(protocol, from, to, peer)}."""
    text = (REPO_ROOT / "docs" / "storage.md").read_text(encoding="utf-8")
    rows = text.split("<!-- ports-table:", 1)[1].split("\n\n", 1)[0].splitlines()[3:]
    table: dict[str, set[tuple[str, int, int, str]]] = {}
    for row in rows:
        _, group, protocols, ports, peers = (cell.strip().strip("`") for cell in row.strip("|").split("|"))
        rules = table.setdefault(group, set())
        if ports == "none":
            continue
        for protocol in protocols.split(", "):
            for port in ports.split(", "):
                low, _, high = port.partition("-")
                for peer in peers.split(", "):
                    rules.add((protocol, int(low), int(high or low), peer.strip("`")))
    return table


def test_the_ports_table_of_the_storage_page_is_what_the_security_groups_admit(
    template: dict[str, Any],
) -> None:
    table = ports_table()
    assert set(table) == {
        "Efs/SecurityGroup",
        "Lustre/SecurityGroup",
        "Ontap/SecurityGroup",
        "the cluster security group",
    }
    for group in ("Efs/SecurityGroup", "Lustre/SecurityGroup", "Ontap/SecurityGroup"):
        group_id = logical_id(template, "AWS::EC2::SecurityGroup", f"Storage{group}")
        assert security_group_rules(template, group_id) == table[group], group
    lustre = logical_id(template, "AWS::EC2::SecurityGroup", "StorageLustreSecurityGroup")
    back = {
        (
            r["Properties"]["IpProtocol"],
            r["Properties"]["FromPort"],
            r["Properties"]["ToPort"],
            "Lustre/SecurityGroup",
        )
        for r in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"].get("SourceSecurityGroupId") == {"Fn::GetAtt": [lustre, "GroupId"]}
        and r["Properties"]["GroupId"]["Fn::GetAtt"][1] == "ClusterSecurityGroupId"
    }
    assert back == table["the cluster security group"]


def test_no_storage_security_group_opens_anything_outbound_but_lustre_to_itself_and_the_nodes(
    template: dict[str, Any],
) -> None:
    placeholder = {("icmp", 252, 86, "255.255.255.255/32")}  # CDK's rule for "no egress"
    for group in ("StorageEfsSecurityGroup", "StorageOntapSecurityGroup"):
        assert (
            security_group_rules(
                template, logical_id(template, "AWS::EC2::SecurityGroup", group), egress=True
            )
            == placeholder
        )
    lustre = logical_id(template, "AWS::EC2::SecurityGroup", "StorageLustreSecurityGroup")
    lnet = {("tcp", 988, 988), ("tcp", 1018, 1023)}
    assert security_group_rules(template, lustre, egress=True) == {
        (*ports, peer) for ports in lnet for peer in ("cluster", "self")
    }


def test_efs_has_a_mount_target_in_each_node_subnet(template: dict[str, Any]) -> None:
    targets = resources_of_type(template, "AWS::EFS::MountTarget")
    assert len(targets) == 2
    assert len({json.dumps(t["Properties"]["SubnetId"], sort_keys=True) for t in targets.values()}) == 2


def test_one_storage_class_per_driver_plus_the_trident_backend_and_a_static_efs_volume(
    template: dict[str, Any],
) -> None:
    rendered = [json.dumps(m) for _, m in kubernetes_objects(template)]
    for provisioner in ("ebs.csi.aws.com", "efs.csi.aws.com", "fsx.csi.aws.com", "csi.trident.netapp.io"):
        classes = [m for m in rendered if "StorageClass" in m and provisioner in m]
        assert len(classes) == 1, provisioner
    assert sum("TridentBackendConfig" in m for m in rendered) == 1
    assert sum("PersistentVolume" in m and "efs-static" in m for m in rendered) == 1


def test_the_ebs_default_class_is_the_cluster_default(template: dict[str, Any]) -> None:
    plain = [m for _, m in kubernetes_objects(template) if m["kind"] == "StorageClass"]
    gp3 = next(m for m in plain if m["metadata"]["name"] == "gp3")
    assert gp3["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert gp3["parameters"] == {"type": "gp3", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"}
    defaults = [m for m in plain if m["metadata"].get("annotations")]
    assert len(defaults) == 1


def test_the_persistent_2_lustre_class_asks_for_lustre_2_15(template: dict[str, Any]) -> None:
    # Issue 11 item 9: without it FSx creates PERSISTENT_2 file systems with Lustre 2.12.
    (lustre,) = [m for _, m in kubernetes_objects(template) if m.get("provisioner") == "fsx.csi.aws.com"]
    assert lustre["parameters"]["deploymentType"] == "PERSISTENT_2"
    assert lustre["parameters"]["fileSystemTypeVersion"] == "2.15"


def test_the_trident_backend_calls_the_fsx_api_in_the_stack_s_region(template: dict[str, Any]) -> None:
    # Issue 11 item 9: Trident's aws.apiRegion, the Region of the file system's FSx API.
    (backend_id,) = [k for k, m in kubernetes_objects(template) if m["kind"] == "TridentBackendConfig"]
    parts = template["Resources"][backend_id]["Properties"]["Manifest"]["Fn::Join"][1]
    index = next(
        i for i, part in enumerate(parts) if isinstance(part, str) and part.endswith('"apiRegion":"')
    )
    assert parts[index + 1] == {"Ref": "AWS::Region"}


# Attachment limits of the example's instance types: EBS slots shared with ENIs (27) or dedicated
# (32), from aws-ebs-csi-driver pkg/cloud/limits/volume_limits_table.go @429e202 (types not listed
# there are shared, 27), and the most ENIs each takes (EC2 user guide, "Maximum number of network
# interfaces"). An instance type added to the example without a row here fails the test below.
_SHARED_LIMIT_ENIS = {"m5.large": 3, "m6i.large": 3, "c6i.xlarge": 4}
_DEDICATED_LIMIT = {"m7i.large", "c7i.xlarge"}


def _example_instance_types(template: dict[str, Any]) -> set[str]:
    types = {
        t
        for group in resources_of_type(template, "AWS::EKS::Nodegroup").values()
        for t in group["Properties"].get("InstanceTypes", [])
    }
    for asg in resources_of_type(template, "AWS::AutoScaling::AutoScalingGroup").values():
        policy = asg["Properties"].get("MixedInstancesPolicy", {})
        types |= {o["InstanceType"] for o in policy.get("LaunchTemplate", {}).get("Overrides", [])}
    return types


def test_the_ebs_nodes_reserve_the_root_volume_and_every_extra_eni_of_the_example_s_instance_types(
    template: dict[str, Any],
) -> None:
    # Hop limit 1: the node plugin cannot count ENIs itself, so the reservation must cover them.
    types = _example_instance_types(template)
    assert types, "the example has node groups with instance types"
    assert types <= set(_SHARED_LIMIT_ENIS) | _DEDICATED_LIMIT, types
    addon = next(
        v["Properties"]
        for v in resources_of_type(template, "AWS::EKS::Addon").values()
        if v["Properties"]["AddonName"] == "aws-ebs-csi-driver"
    )
    reserved = json.loads(addon["ConfigurationValues"])["node"]["reservedVolumeAttachments"]
    needed = 1 + max(_SHARED_LIMIT_ENIS[t] - 1 for t in types if t in _SHARED_LIMIT_ENIS)
    assert reserved == needed
