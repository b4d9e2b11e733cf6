"""Every Kubernetes manifest the library generates passes schema validation.

Manifests are validated with ``kubernetes-validate`` in strict mode (unknown
fields are errors) against the schemas of the cluster's Kubernetes version, or
the newest older version it ships. Kinds without a published schema (the
TridentBackendConfig CRD) are listed in ``NO_SCHEMA`` and get field tests instead.
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from kubernetes_validate.utils import SchemaNotFoundError, all_versions

from cdk_containers.constructs.storage import (
    EbsStorageClass,
    EfsStorageClass,
    FsxLustreStorageClass,
    OntapStorageClass,
    trident_backend_manifest,
)
from tests.conftest import make_app

#: CRDs whose schema kubernetes-validate does not ship; each has field tests below.
NO_SCHEMA = {("trident.netapp.io/v1", "TridentBackendConfig")}


def schema_version(kubernetes_version: str) -> str:
    """The newest schema version kubernetes-validate ships that is not newer than the cluster's."""
    wanted = tuple(int(part) for part in kubernetes_version.split(".")[:2])
    shipped = [v for v in all_versions() if tuple(int(p) for p in v.split(".")[:2]) <= wanted]
    assert shipped, f"kubernetes-validate ships no schema for {kubernetes_version} or older"
    return shipped[-1]


def validate(manifest: dict[str, Any], kubernetes_version: str) -> None:
    """Validate one manifest strictly; CRDs listed in NO_SCHEMA are skipped."""
    if (manifest["apiVersion"], manifest["kind"]) in NO_SCHEMA:
        return
    kubernetes_validate.validate(manifest, schema_version(kubernetes_version), strict=True)


@pytest.fixture(scope="session")
def example_cluster(example_stacks: dict[str, Stack]) -> Any:
    return example_stacks["EksClusterStack"].eks  # type: ignore[attr-defined]


def test_schemas_exist_for_the_example_cluster_s_version(example_cluster: Any) -> None:
    version = example_cluster.version
    assert schema_version(version).startswith(version), f"no exact schema for {version}"


def test_the_example_cluster_has_a_manifest_of_each_storage_kind(example_cluster: Any) -> None:
    kinds = [(m["kind"], m.get("provisioner")) for m in example_cluster.manifests]
    for provisioner in ("ebs.csi.aws.com", "efs.csi.aws.com", "fsx.csi.aws.com", "csi.trident.netapp.io"):
        assert ("StorageClass", provisioner) in kinds
    assert ("TridentBackendConfig", None) in kinds
    assert ("PersistentVolume", None) in kinds


def test_every_manifest_of_the_example_cluster_passes_strict_schema_validation(example_cluster: Any) -> None:
    failures = []
    for manifest in example_cluster.manifests:
        try:
            validate(manifest, example_cluster.version)
        except kubernetes_validate.ValidationError as error:
            failures.append(f"{manifest['kind']}/{manifest['metadata']['name']}: {error.message}")
        except SchemaNotFoundError as error:
            failures.append(f"no schema and not in NO_SCHEMA: {error.message}")
    assert failures == []


def _key() -> kms.IKey:
    stack = Stack(make_app(), "Keys")
    return kms.Key.from_key_arn(stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/1234abcd")


def _subnet() -> ec2.ISubnet:
    stack = Stack(make_app(), "Subnets")
    return ec2.Subnet.from_subnet_id(stack, "Subnet", "subnet-0123")


def storage_class_variants() -> list[tuple[str, dict[str, Any]]]:
    """Manifests of the option combinations each StorageClass bundle supports."""
    key = _key()
    ebs = [
        EbsStorageClass(name="gp3", default=True),
        EbsStorageClass(name="gp3-fast", iops=16000, throughput=1000, fs_type="xfs", kms_key=key),
        EbsStorageClass(name="io1", volume_type="io1", iops_per_gb=50, reclaim_policy="Delete"),
        EbsStorageClass(name="io2", volume_type="io2", iops=100000, allow_expansion=False),
        EbsStorageClass(name="st1", volume_type="st1", encrypted=False),
        EbsStorageClass(name="sc1", volume_type="sc1"),
    ]
    efs = [
        EfsStorageClass(name="efs"),
        EfsStorageClass(
            name="efs-ids", uid=1000, gid=1000, directory_perms="0750", ensure_unique_directory=False
        ),
        EfsStorageClass(
            name="efs-range", gid_range=(2000, 3000), base_path="/x", sub_path_pattern="${.PVC.name}"
        ),
    ]
    lustre = [
        FsxLustreStorageClass(name="lustre", kms_key=key, per_unit_storage_throughput=1000),
        FsxLustreStorageClass(
            name="lustre-p1", deployment_type="PERSISTENT_1", per_unit_storage_throughput=50
        ),
        FsxLustreStorageClass(
            name="scratch", deployment_type="SCRATCH_2", flock=False, data_compression="NONE"
        ),
    ]
    ontap = [
        OntapStorageClass(name="ontap"),
        OntapStorageClass(
            name="ontap-thick", provisioning_type="thick", snapshots=False, mount_options=("nfsvers=4.1",)
        ),
    ]
    manifests = [(c.name, c.to_manifest()) for c in ebs]
    manifests += [(c.name, c.to_manifest(file_system_id="fs-0123")) for c in efs]
    manifests += [
        (c.name, c.to_manifest(subnet_id="subnet-0123", security_group_ids=["sg-1", "sg-2"])) for c in lustre
    ]
    manifests += [(c.name, c.to_manifest(backend_name="fsx")) for c in ontap]
    return manifests


@pytest.mark.parametrize(("name", "manifest"), storage_class_variants())
def test_every_storage_class_variant_passes_strict_schema_validation(
    name: str, manifest: dict[str, Any], example_cluster: Any
) -> None:
    validate(manifest, example_cluster.version)
    assert all(isinstance(value, str) for value in manifest["parameters"].values()), "parameters are strings"


def test_a_lustre_class_given_a_subnet_directly_passes_too(example_cluster: Any) -> None:
    subnet = _subnet()
    manifest = FsxLustreStorageClass(name="lustre", subnet=subnet).to_manifest(
        subnet_id=subnet.subnet_id, security_group_ids=["sg-1"]
    )
    validate(manifest, example_cluster.version)


def test_strict_validation_catches_a_misspelled_field() -> None:
    manifest = EbsStorageClass(name="gp3").to_manifest()
    manifest["allowVolumeExpanssion"] = manifest.pop("allowVolumeExpansion")
    with pytest.raises(kubernetes_validate.ValidationError, match="allowVolumeExpanssion"):
        validate(manifest, "1.36")


def test_strict_validation_catches_a_non_string_parameter() -> None:
    manifest = EbsStorageClass(name="gp3").to_manifest()
    manifest["parameters"]["iops"] = 3000
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(manifest, "1.36")


# TridentBackendConfig: a CRD with no published schema, so its fields are tested one by one
# against what Trident documents for ontap-nas on FSx for ONTAP.


@pytest.fixture(scope="module")
def backend() -> dict[str, Any]:
    return trident_backend_manifest(
        name="fsx-ontap-nas",
        svm_name="eks",
        file_system_id="fs-0123456789abcdef0",
        credentials_secret_arn="arn:aws:secretsmanager:eu-west-1:111111111111:secret:svm-AbCdEf",
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
    assert backend["spec"]["aws"] == {"fsxFilesystemID": "fs-0123456789abcdef0"}
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
