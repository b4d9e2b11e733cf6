"""FsxOntapCsiDriver, OntapStorageClass and the TridentBackendConfig."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from cdk_containers.constructs.eks import EksCluster, ManagedNodeGroupOptions
from cdk_containers.constructs.storage import (
    FsxOntapCsiDriver,
    OntapDeploymentType,
    OntapProvisioningType,
    OntapStorageClassOptions,
)
from tests.conftest import make_app
from tests.constructs.test_storage_common import logical_id, security_group_rules, storage_stack
from tests.support import resources_of_type


@pytest.fixture(scope="module")
def driver() -> FsxOntapCsiDriver:
    stack, cluster = storage_stack()
    key = kms.Key(stack, "OntapKey", enable_key_rotation=True)
    ontap = FsxOntapCsiDriver(stack, "Ontap", cluster=cluster, encryption_key=key, storage_capacity_gib=2048)
    ontap.add_storage_class("OntapNas", OntapStorageClassOptions(name="ontap-nas"))
    return ontap


@pytest.fixture(scope="module")
def template(driver: FsxOntapCsiDriver) -> dict[str, Any]:
    return Template.from_stack(Stack.of(driver)).to_json()


def _resource(template: dict[str, Any], resource_type: str, fragment: str) -> dict[str, Any]:
    resource: dict[str, Any] = template["Resources"][logical_id(template, resource_type, fragment)]
    return resource


def test_trident_s_service_account_gets_a_customer_managed_policy_through_pod_identity(
    template: dict[str, Any],
) -> None:
    role_id = logical_id(template, "AWS::IAM::Role", "Ontap/TridentRole")
    assert "ManagedPolicyArns" not in template["Resources"][role_id]["Properties"]
    policy = _resource(template, "AWS::IAM::ManagedPolicy", "Ontap/TridentPolicy")["Properties"]
    assert policy["Roles"] == [{"Ref": role_id}]


def test_trident_may_read_only_the_svm_secret_and_write_only_this_file_system_s_volumes(
    template: dict[str, Any],
) -> None:
    file_system = logical_id(template, "AWS::FSx::FileSystem", "Ontap/FileSystem")
    svm_secret = logical_id(template, "AWS::SecretsManager::Secret", "Ontap/SvmAdminSecret")
    statements = _resource(template, "AWS::IAM::ManagedPolicy", "Ontap/TridentPolicy")["Properties"][
        "PolicyDocument"
    ]["Statement"]
    secret = next(s for s in statements if s["Action"] == "secretsmanager:GetSecretValue")
    assert secret["Resource"] == {"Ref": svm_secret}
    writes = next(s for s in statements if "fsx:CreateVolume" in s["Action"])
    assert {"fsx:CreateVolume", "fsx:DeleteVolume", "fsx:UpdateVolume"} <= set(writes["Action"])
    svm = logical_id(template, "AWS::FSx::StorageVirtualMachine", "Ontap/Svm")
    # The file system's own ARN and its volumes (a wildcard under this file system only), and the
    # exact ARN of the one SVM this construct creates: no SVM wildcard.
    assert {"Fn::GetAtt": [svm, "ResourceARN"]} in writes["Resource"]
    arns = [arn for arn in writes["Resource"] if "Fn::Join" in arn]
    assert len(arns) == 2 == len(writes["Resource"]) - 1
    assert all({"Ref": file_system} in arn["Fn::Join"][1] for arn in arns)
    assert not any("storage-virtual-machine" in str(arn) for arn in arns)
    reads = next(s for s in statements if s["Resource"] == "*")
    assert all(action.startswith("fsx:Describe") for action in reads["Action"])


def test_the_file_system_is_encrypted_with_the_key_backed_up_and_retained(template: dict[str, Any]) -> None:
    file_system = _resource(template, "AWS::FSx::FileSystem", "Ontap/FileSystem")
    properties = file_system["Properties"]
    assert properties["KmsKeyId"] == {"Ref": logical_id(template, "AWS::KMS::Key", "OntapKey")}
    assert properties["FileSystemType"] == "ONTAP"
    assert properties["StorageCapacity"] == 2048
    ontap = properties["OntapConfiguration"]
    assert (ontap["DeploymentType"], ontap["ThroughputCapacity"]) == ("MULTI_AZ_1", 128)
    assert ontap["AutomaticBackupRetentionDays"] == 7
    assert len(properties["SubnetIds"]) == 2
    assert ontap["PreferredSubnetId"] == properties["SubnetIds"][0]
    assert len(ontap["RouteTableIds"]) == 2
    assert (file_system["DeletionPolicy"], file_system["UpdateReplacePolicy"]) == ("Retain", "Retain")
    svm = _resource(template, "AWS::FSx::StorageVirtualMachine", "Ontap/Svm")
    assert (svm["DeletionPolicy"], svm["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_admin_passwords_are_generated_secrets_passed_as_dynamic_references(template: dict[str, Any]) -> None:
    admin = logical_id(template, "AWS::SecretsManager::Secret", "Ontap/AdminSecret")
    svm_admin = logical_id(template, "AWS::SecretsManager::Secret", "Ontap/SvmAdminSecret")
    password = _resource(template, "AWS::FSx::FileSystem", "Ontap/FileSystem")["Properties"][
        "OntapConfiguration"
    ]["FsxAdminPassword"]
    assert password == {
        "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": admin}, ":SecretString:password::}}"]]
    }
    svm_password = _resource(template, "AWS::FSx::StorageVirtualMachine", "Ontap/Svm")["Properties"][
        "SvmAdminPassword"
    ]
    assert svm_password == {
        "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": svm_admin}, ":SecretString:password::}}"]]
    }
    generated = template["Resources"][svm_admin]["Properties"]["GenerateSecretString"]
    assert generated["SecretStringTemplate"] == '{"username": "vsadmin"}'
    assert generated["GenerateStringKey"] == "password"
    assert template["Resources"][svm_admin]["DeletionPolicy"] == "Retain"


def test_the_security_group_admits_exactly_nfs_and_the_ontap_api_from_the_cluster(
    template: dict[str, Any],
) -> None:
    group = logical_id(template, "AWS::EC2::SecurityGroup", "Ontap/SecurityGroup")
    nfs = {
        (protocol, port, port, "cluster")
        for port in (111, 635, 2049, 4045, 4046)
        for protocol in ("tcp", "udp")
    }
    assert security_group_rules(template, group) == {*nfs, ("tcp", 443, 443, "cluster")}
    assert security_group_rules(template, group, egress=True) == {("icmp", 252, 86, "255.255.255.255/32")}


def test_the_trident_backend_names_the_svm_file_system_and_secret(driver: FsxOntapCsiDriver) -> None:
    backend = driver.backend_manifest
    assert backend["apiVersion"] == "trident.netapp.io/v1"
    assert backend["kind"] == "TridentBackendConfig"
    assert backend["metadata"] == {"name": "fsx-ontap-nas", "namespace": "trident"}
    spec = backend["spec"]
    assert spec["version"] == 1
    assert spec["storageDriverName"] == "ontap-nas"
    assert spec["svm"] == "eks"
    assert spec["backendName"] == "fsx-ontap-nas"
    assert spec["aws"]["fsxFilesystemID"] == driver.file_system.ref
    assert spec["credentials"] == {"name": driver.svm_admin_secret.secret_arn, "type": "awsarn"}
    assert "password" not in str(spec).lower().replace("credentials", "")


def test_the_trident_backend_waits_until_the_operator_s_crd_is_established(template: dict[str, Any]) -> None:
    backend = next(
        r
        for r in resources_of_type(template, "Custom::AWSCDK-EKS-KubernetesResource").values()
        if "TridentBackendConfig" in str(r["Properties"])
    )
    wait_id = logical_id(template, "Custom::AWSCDK-EKS-KubernetesObjectValue", "Ontap/BackendCrd")
    assert wait_id in backend["DependsOn"]
    wait = template["Resources"][wait_id]
    assert wait["Properties"]["ObjectType"] == "customresourcedefinition"
    assert wait["Properties"]["ObjectName"] == "tridentbackendconfigs.trident.netapp.io"
    assert wait["Properties"]["JsonPath"] == '.status.conditions[?(@.reason=="InitialNamesAccepted")].status'
    assert wait["Properties"]["TimeoutSeconds"] == 600
    # The wait starts only once the operator (the add-on) and the SVM exist.
    assert logical_id(template, "AWS::EKS::Addon", "NetappTridentOperatorAddon") in wait["DependsOn"]


def test_the_trident_backend_is_applied_after_the_add_on_and_the_svm(template: dict[str, Any]) -> None:
    backend = next(
        r
        for r in template["Resources"].values()
        if r["Type"] == "Custom::AWSCDK-EKS-KubernetesResource"
        and "TridentBackendConfig" in str(r["Properties"])
    )
    assert logical_id(template, "AWS::EKS::Addon", "NetappTridentOperatorAddon") in backend["DependsOn"]
    assert logical_id(template, "AWS::FSx::StorageVirtualMachine", "Ontap/Svm") in backend["DependsOn"]


def test_the_storage_class_uses_trident_on_this_backend(driver: FsxOntapCsiDriver) -> None:
    manifest = driver.storage_classes["ontap-nas"].document
    assert manifest["provisioner"] == "csi.trident.netapp.io"
    assert manifest["parameters"] == {
        "backendType": "ontap-nas",
        "storagePools": "fsx-ontap-nas:.*",
        "provisioningType": "thin",
        "snapshots": "true",
    }
    assert manifest["reclaimPolicy"] == "Retain"
    assert manifest["allowVolumeExpansion"] is True


@pytest.fixture(scope="module")
def spare_cluster() -> EksCluster:
    return storage_stack()[1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"storage_capacity_gib": 1023},
            r"storage_capacity_gib=1023 is invalid: an integer from 1024 to 196608",
        ),
        (
            {"storage_capacity_gib": "2048"},
            r"storage_capacity_gib='2048' is invalid: an integer from 1024 to 196608",
        ),
        (
            {"throughput_capacity": 100},
            r"throughput_capacity=100 is invalid: for MULTI_AZ_1 one of \[128, 256, 512, 1024, 2048, 4096\]",
        ),
        (
            {"deployment_type": OntapDeploymentType.MULTI_AZ_2, "throughput_capacity": 128},
            r"throughput_capacity=128 is invalid: for MULTI_AZ_2 one of \[384, 768, 1536, 3072, 6144\]",
        ),
        (
            {"deployment_type": "MULTI_AZ_1"},
            r"deployment_type='MULTI_AZ_1' is invalid: a member of OntapDeploymentType",
        ),
        (
            {"automatic_backup_retention": Duration.days(91)},
            r"automatic_backup_retention='Duration.days\(91\)' is invalid: whole days from 0 \(off\) to 90",
        ),
        (
            {"automatic_backup_retention": Duration.hours(36)},
            r"automatic_backup_retention='Duration.days\(1.5\)' is invalid: whole days",
        ),
        ({"automatic_backup_retention": 7}, r"automatic_backup_retention=7 is invalid: a Duration"),
        ({"backend_name": "Fsx_Backend"}, r"backend_name='Fsx_Backend' is invalid: a DNS-1123 subdomain"),
        ({"svm_name": "my-svm"}, r"svm_name='my-svm' is invalid: 1 to 47 letters, digits and underscores"),
        ({"svm_name": None}, r"svm_name=None is invalid: a value is required"),
        ({"encryption_key": "alias/fsx"}, r"encryption_key='alias/fsx' is invalid: expected aws_kms.IKey"),
    ],
)
def test_bad_ontap_arguments_are_refused(
    spare_cluster: EksCluster, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=r"FsxOntapCsiDriver 'Storage/Ontap': " + message):
        FsxOntapCsiDriver(spare_cluster.node.scope, "Ontap", cluster=spare_cluster, **kwargs)


def test_a_single_az_2_file_system_sets_throughput_per_ha_pair(spare_cluster: EksCluster) -> None:
    driver = FsxOntapCsiDriver(
        spare_cluster.node.scope,
        "SingleAz2",
        cluster=spare_cluster,
        deployment_type=OntapDeploymentType.SINGLE_AZ_2,
        throughput_capacity=1536,
        backend_name="single-az",
    )
    ontap = driver.file_system.ontap_configuration
    assert ontap.throughput_capacity_per_ha_pair == 1536  # type: ignore[union-attr]
    assert ontap.ha_pairs == 1  # type: ignore[union-attr]
    assert ontap.throughput_capacity is None  # type: ignore[union-attr]
    assert len(driver.file_system.subnet_ids) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"provisioning_type": "thin"},
            r"options.provisioning_type='thin' is invalid: a member of OntapProvisioningType",
        ),
        (
            {"mount_options": "nfsvers=4.1"},
            r"options.mount_options='nfsvers=4.1' is invalid: expected a list of str, got a single string; "
            r"wrap it in a list: \['nfsvers=4.1'\]",
        ),
        (
            {"mount_options": ["nfsvers=4.1,hard"]},
            r"options.mount_options\[0\]='nfsvers=4.1,hard' is invalid: one NFS",
        ),
        ({"mount_options": [4]}, r"options.mount_options\[0\]=4 is invalid: expected str, got an int"),
        ({"snapshots": "no"}, r"options.snapshots='no' is invalid: expected bool, got a str"),
    ],
)
def test_bad_ontap_storage_class_options_are_refused(
    driver: FsxOntapCsiDriver, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=r"OntapStorageClass 'Storage/Ontap/Bad': " + message):
        driver.add_storage_class("Bad", OntapStorageClassOptions(name="bad", **kwargs))


def test_a_thick_class_with_mount_options_renders_them_as_a_list(driver: FsxOntapCsiDriver) -> None:
    added = driver.add_storage_class(
        "Thick",
        OntapStorageClassOptions(
            name="ontap-thick", provisioning_type=OntapProvisioningType.THICK, mount_options=["nfsvers=4.1"]
        ),
    )
    assert added.document["mountOptions"] == ["nfsvers=4.1"]
    assert added.document["parameters"]["provisioningType"] == "thick"


def test_multi_az_routes_its_endpoints_in_every_node_subnet_s_route_table() -> None:
    # Three zones, servers in two: nodes in the third reach the endpoints only through
    # a route FSx adds to their subnet's route table.
    stack = Stack(make_app(), "ThreeZones", env=Environment(account="111111111111", region="eu-west-1"))
    vpc = ec2.Vpc(stack, "Vpc", availability_zones=[f"eu-west-1{z}" for z in "abc"], nat_gateways=1)
    cluster = EksCluster(stack, "Eks", vpc=vpc)
    cluster.add_managed_node_group("Nodes", ManagedNodeGroupOptions())
    FsxOntapCsiDriver(stack, "Ontap", cluster=cluster)
    template = Template.from_stack(stack).to_json()
    properties = _resource(template, "AWS::FSx::FileSystem", "Ontap/FileSystem")["Properties"]
    tables = {
        logical_id(template, "AWS::EC2::RouteTable", f"VpcPrivateSubnet{index}RouteTable")
        for index in (1, 2, 3)
    }
    assert {t["Ref"] for t in properties["OntapConfiguration"]["RouteTableIds"]} == tables
    subnets = [
        {"Ref": logical_id(template, "AWS::EC2::Subnet", f"VpcPrivateSubnet{index}Subnet")}
        for index in (1, 2)
    ]
    assert properties["SubnetIds"] == subnets
    assert properties["OntapConfiguration"]["PreferredSubnetId"] == subnets[0]


def test_multi_az_refuses_node_subnets_in_one_zone() -> None:
    stack = Stack(make_app(), "OneZone")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    cluster = EksCluster(stack, "Eks", vpc=vpc)
    cluster.add_managed_node_group("Nodes", ManagedNodeGroupOptions())
    one_zone = ec2.SubnetSelection(subnets=[vpc.private_subnets[0]])
    cluster_view = _WithNodeSubnets(cluster, one_zone)
    with pytest.raises(
        ValueError,
        match=r"cluster.node_subnets='1 subnets in 1 Availability Zones' is invalid: subnets in at least 2 "
        r"Availability Zones for MULTI_AZ_1",
    ):
        FsxOntapCsiDriver(stack, "Ontap", cluster=cluster_view)  # type: ignore[arg-type]


class _WithNodeSubnets:
    """An EksCluster seen with other node subnets (the drivers accept any StorageCluster)."""

    def __init__(self, cluster: EksCluster, node_subnets: ec2.SubnetSelection) -> None:
        self._cluster = cluster
        self.node_subnets = node_subnets

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cluster, name)
