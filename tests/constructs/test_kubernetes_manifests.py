"""Every Kubernetes manifest the library generates passes schema validation.

Manifests are validated with ``kubernetes-validate`` in strict mode (unknown
fields are errors) against the schemas of the cluster's Kubernetes version, or
the newest older version it ships. Kinds without a published schema (the
TridentBackendConfig CRD) are listed in ``NO_SCHEMA`` and get field tests instead.
"""

from __future__ import annotations

import functools
from typing import Any

import kubernetes_validate
import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_fsx as fsx
from aws_cdk import aws_kms as kms
from kubernetes_validate.utils import SchemaNotFoundError, all_versions

from cdk_containers.constructs.eks.crds import BUILT_IN_API_GROUPS, CRD_ESTABLISHED_JSON_PATH, api_group
from cdk_containers.constructs.storage import (
    EbsCsiDriver,
    EbsFileSystemType,
    EbsStorageClassOptions,
    EfsCsiDriver,
    EfsStorageClassOptions,
    FsxLustreCsiDriver,
    FsxLustreStorageClassOptions,
    FsxOntapCsiDriver,
    OntapProvisioningType,
    OntapStorageClassOptions,
    ReclaimPolicy,
    StorageClass,
    trident_backend_manifest,
)
from cdk_containers.testing import SynthResult
from tests.constructs.test_storage_common import storage_stack
from tests.support import kubernetes_objects, resources_of_type

#: CRDs whose schema kubernetes-validate does not ship; each has field tests below.
NO_SCHEMA = {("trident.netapp.io/v1", "TridentBackendConfig")}
EXAMPLE_KUBERNETES_VERSION = "1.36"


def schema_version(kubernetes_version: str) -> str:
    """The newest schema version kubernetes-validate ships that is not newer than the cluster's."""
    wanted = tuple(int(part) for part in kubernetes_version.split(".")[:2])
    shipped = [v for v in all_versions() if tuple(int(p) for p in v.split(".")[:2]) <= wanted]
    assert shipped, f"kubernetes-validate ships no schema for {kubernetes_version} or older"
    return shipped[-1]


def validate(manifest: dict[str, Any], kubernetes_version: str = EXAMPLE_KUBERNETES_VERSION) -> None:
    """Validate one manifest strictly; CRDs listed in NO_SCHEMA are skipped."""
    if (manifest["apiVersion"], manifest["kind"]) in NO_SCHEMA:
        return
    kubernetes_validate.validate(manifest, schema_version(kubernetes_version), strict=True)


@pytest.fixture(scope="session")
def example_objects(example_synth: SynthResult) -> list[dict[str, Any]]:
    """Every Kubernetes object of the example EKS stack, read from its template."""
    return [item for _, item in kubernetes_objects(example_synth.template_json("EksClusterStack"))]


def test_schemas_exist_for_the_example_cluster_s_version(example_stacks: dict[str, Stack]) -> None:
    version = example_stacks["EksClusterStack"].eks.version  # type: ignore[attr-defined]
    assert version == EXAMPLE_KUBERNETES_VERSION
    assert schema_version(version).startswith(version), f"no exact schema for {version}"


def test_the_example_cluster_has_a_manifest_of_each_storage_kind(
    example_objects: list[dict[str, Any]],
) -> None:
    kinds = [(m["kind"], m.get("provisioner")) for m in example_objects]
    for provisioner in ("ebs.csi.aws.com", "efs.csi.aws.com", "fsx.csi.aws.com", "csi.trident.netapp.io"):
        assert ("StorageClass", provisioner) in kinds
    assert ("TridentBackendConfig", None) in kinds
    assert ("PersistentVolume", None) in kinds


def test_every_manifest_of_the_example_cluster_passes_strict_schema_validation(
    example_objects: list[dict[str, Any]],
) -> None:
    failures = []
    for manifest in example_objects:
        try:
            validate(manifest)
        except kubernetes_validate.ValidationError as error:
            failures.append(f"{manifest['kind']}/{manifest['metadata']['name']}: {error.message}")
        except SchemaNotFoundError as error:
            failures.append(f"no schema and not in NO_SCHEMA: {error.message}")
    assert failures == []


def _crd_waits(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The CRD waits of a template (KubernetesObjectValue on a customresourcedefinition), by logical id."""
    return {
        key: value["Properties"]
        for key, value in resources_of_type(template, "Custom::AWSCDK-EKS-KubernetesObjectValue").items()
        if value["Properties"]["ObjectType"] == "customresourcedefinition"
    }


def test_every_object_whose_kind_comes_from_a_crd_waits_until_the_crd_is_established(
    example_synth: SynthResult, example_stack_name: str
) -> None:
    # Issue 11 item 2: an operator creates its CRDs at run time (Trident's TridentBackendConfig);
    # `kubectl create` of an object of that kind before then fails and rolls the stack back.
    template = example_synth.template_json(example_stack_name)
    waits = _crd_waits(template)
    missing = []
    for key, item in kubernetes_objects(template):
        group = api_group(item["apiVersion"])
        if group in BUILT_IN_API_GROUPS:
            continue
        depends_on = template["Resources"][key].get("DependsOn", [])
        matching = [
            wait_id
            for wait_id, wait in waits.items()
            if wait_id in depends_on
            and wait["ObjectName"].endswith(f".{group}")
            and wait["ObjectName"].startswith(item["kind"].lower())
            and wait["JsonPath"] == CRD_ESTABLISHED_JSON_PATH
            and 0 < int(wait["TimeoutSeconds"]) <= 14 * 60
        ]
        if not matching:
            missing.append(f"{key}: {item['kind']} ({item['apiVersion']})")
    assert missing == [], f"objects of a CRD's kind applied without waiting for the CRD: {missing}"


@functools.cache
def storage_class_variants() -> list[StorageClass]:
    """One StorageClass of each option combination the four drivers support."""
    stack, cluster = storage_stack()
    key = kms.Key.from_key_arn(stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/1234abcd")
    ebs = EbsCsiDriver(stack, "Ebs", cluster=cluster)
    efs_driver = EfsCsiDriver(stack, "Efs", cluster=cluster)
    lustre = FsxLustreCsiDriver(stack, "Lustre", cluster=cluster)
    ontap = FsxOntapCsiDriver(stack, "Ontap", cluster=cluster)
    io1, io2 = ec2.EbsDeviceVolumeType.IO1, ec2.EbsDeviceVolumeType.IO2
    classes = [
        ebs.storage_classes["gp3"],
        ebs.add_storage_class(
            "Fast",
            EbsStorageClassOptions(
                name="gp3-fast",
                iops=16000,
                throughput=1000,
                fs_type=EbsFileSystemType.XFS,
                encryption_key=key,
            ),
        ),
        ebs.add_storage_class(
            "Io1",
            EbsStorageClassOptions(
                name="io1", volume_type=io1, iops_per_gb=50, reclaim_policy=ReclaimPolicy.DELETE
            ),
        ),
        ebs.add_storage_class(
            "Io2", EbsStorageClassOptions(name="io2", volume_type=io2, iops=100000, allow_expansion=False)
        ),
        ebs.add_storage_class(
            "St1",
            EbsStorageClassOptions(name="st1", volume_type=ec2.EbsDeviceVolumeType.ST1, encrypted=False),
        ),
        ebs.add_storage_class(
            "Sc1", EbsStorageClassOptions(name="sc1", volume_type=ec2.EbsDeviceVolumeType.SC1)
        ),
        efs_driver.add_storage_class("Efs", EfsStorageClassOptions(name="efs")),
        efs_driver.add_storage_class(
            "Ids",
            EfsStorageClassOptions(
                name="efs-ids", uid=1000, gid=1000, directory_perms="0750", ensure_unique_directory=False
            ),
        ),
        efs_driver.add_storage_class(
            "Range",
            EfsStorageClassOptions(
                name="efs-range", gid_range=(2000, 3000), base_path="/x", sub_path_pattern="${.PVC.name}"
            ),
        ),
        lustre.add_storage_class(
            "Lustre",
            FsxLustreStorageClassOptions(name="lustre", encryption_key=key, per_unit_storage_throughput=1000),
        ),
        lustre.add_storage_class(
            "P1",
            FsxLustreStorageClassOptions(
                name="lustre-p1",
                deployment_type=fsx.LustreDeploymentType.PERSISTENT_1,
                per_unit_storage_throughput=50,
            ),
        ),
        lustre.add_storage_class(
            "Scratch",
            FsxLustreStorageClassOptions(
                name="scratch",
                deployment_type=fsx.LustreDeploymentType.SCRATCH_2,
                flock=False,
                data_compression=fsx.LustreDataCompressionType.NONE,
            ),
        ),
        lustre.add_storage_class(
            "Direct",
            FsxLustreStorageClassOptions(name="lustre-direct", subnet=cluster.vpc.private_subnets[1]),
        ),
        ontap.add_storage_class("Ontap", OntapStorageClassOptions(name="ontap")),
        ontap.add_storage_class(
            "Thick",
            OntapStorageClassOptions(
                name="ontap-thick",
                provisioning_type=OntapProvisioningType.THICK,
                snapshots=False,
                mount_options=["nfsvers=4.1"],
            ),
        ),
    ]
    return classes


#: The names of `storage_class_variants()`, written out so that collecting this module (on every
#: xdist worker) builds no cluster; the first test below checks the list against the variants.
STORAGE_CLASS_VARIANTS = (
    "gp3", "gp3-fast", "io1", "io2", "st1", "sc1", "efs", "efs-ids", "efs-range",
    "lustre", "lustre-p1", "scratch", "lustre-direct", "ontap", "ontap-thick",
)  # fmt: skip


def test_the_variant_names_are_the_variants() -> None:
    assert tuple(c.name for c in storage_class_variants()) == STORAGE_CLASS_VARIANTS


@pytest.mark.parametrize("name", STORAGE_CLASS_VARIANTS)
def test_every_storage_class_variant_passes_strict_schema_validation(name: str) -> None:
    storage_class = {c.name: c for c in storage_class_variants()}[name]
    validate(storage_class.document)
    parameters = storage_class.document["parameters"]
    assert all(isinstance(value, str) for value in parameters.values()), "parameters are strings"


def test_a_lustre_class_given_a_subnet_directly_uses_that_subnet() -> None:
    variants = {c.name: c for c in storage_class_variants()}
    direct = variants["lustre-direct"]
    subnet = direct.options.subnet
    assert isinstance(subnet, ec2.PrivateSubnet)
    assert direct.document["parameters"]["subnetId"] == subnet.subnet_id
    assert variants["lustre"].document["parameters"]["subnetId"] != subnet.subnet_id


def test_strict_validation_catches_a_misspelled_field() -> None:
    manifest = dict(storage_class_variants()[0].document)
    manifest["allowVolumeExpanssion"] = manifest.pop("allowVolumeExpansion")
    with pytest.raises(kubernetes_validate.ValidationError, match="allowVolumeExpanssion"):
        validate(manifest)


def test_strict_validation_catches_a_non_string_parameter() -> None:
    manifest = dict(storage_class_variants()[0].document)
    manifest["parameters"] = {**manifest["parameters"], "iops": 3000}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(manifest)


# TridentBackendConfig: a CRD with no published schema, so its fields are tested one by one
# against what Trident documents for ontap-nas on FSx for ONTAP.


@pytest.fixture(scope="module")
def backend() -> dict[str, Any]:
    return trident_backend_manifest(
        name="fsx-ontap-nas",
        svm_name="eks",
        file_system_id="fs-0123456789abcdef0",
        credentials_secret_arn="arn:aws:secretsmanager:eu-west-1:111111111111:secret:svm-AbCdEf",
        region="eu-west-1",
    )


def test_trident_backend_is_a_namespaced_trident_object(backend: dict[str, Any]) -> None:
    assert backend["apiVersion"] == "trident.netapp.io/v1"
    assert backend["kind"] == "TridentBackendConfig"
    assert backend["metadata"] == {"name": "fsx-ontap-nas", "namespace": "trident"}
    assert set(backend) == {"apiVersion", "kind", "metadata", "spec"}


def test_trident_backend_spec_has_only_documented_fields(backend: dict[str, Any]) -> None:
    assert set(backend["spec"]) == {
        "version",
        "storageDriverName",
        "backendName",
        "svm",
        "aws",
        "credentials",
    }
    assert backend["spec"]["version"] == 1
    assert backend["spec"]["storageDriverName"] == "ontap-nas"


def test_trident_backend_finds_the_file_system_through_the_fsx_api(backend: dict[str, Any]) -> None:
    assert backend["spec"]["aws"] == {"fsxFilesystemID": "fs-0123456789abcdef0", "apiRegion": "eu-west-1"}
    assert backend["spec"]["svm"] == "eks"


def test_trident_backend_reads_credentials_from_secrets_manager_not_kubernetes(
    backend: dict[str, Any],
) -> None:
    assert backend["spec"]["credentials"] == {
        "name": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:svm-AbCdEf",
        "type": "awsarn",
    }
    assert "username" not in backend["spec"]
    assert "password" not in backend["spec"]
