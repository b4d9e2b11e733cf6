"""EKS storage through CSI drivers: EBS, EFS, FSx for Lustre and FSx for NetApp ONTAP.

Each driver construct takes an ``EksCluster`` and sets up the whole path from
the AWS resource to a StorageClass a PersistentVolumeClaim can use: the EKS
add-on (after compute), the controller's IAM through EKS Pod Identity, the
backing resource (encrypted, retained) with its security group, and
StorageClass manifests. See docs/storage.md.
"""

from cdk_containers.constructs.storage._common import StorageCluster
from cdk_containers.constructs.storage.ebs import EbsCsiDriver, EbsStorageClass
from cdk_containers.constructs.storage.efs import EfsCsiDriver, EfsStorageClass
from cdk_containers.constructs.storage.fsx_lustre import FsxLustreCsiDriver, FsxLustreStorageClass
from cdk_containers.constructs.storage.fsx_ontap import (
    FsxOntapCsiDriver,
    OntapStorageClass,
    trident_backend_manifest,
)

__all__ = [
    "EbsCsiDriver",
    "EbsStorageClass",
    "EfsCsiDriver",
    "EfsStorageClass",
    "FsxLustreCsiDriver",
    "FsxLustreStorageClass",
    "FsxOntapCsiDriver",
    "OntapStorageClass",
    "StorageCluster",
    "trident_backend_manifest",
]
