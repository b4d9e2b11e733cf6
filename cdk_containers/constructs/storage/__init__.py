"""EKS storage through CSI drivers: EBS, EFS, FSx for Lustre and FSx for NetApp ONTAP.

Each driver construct takes an `EksCluster` (or any object with the members of
`StorageCluster`) and sets up the whole path from the AWS resource to a StorageClass a
PersistentVolumeClaim can use: the EKS add-on (after compute), the controller's IAM through
EKS Pod Identity, the backing resource (encrypted, retained) with its security group, and
StorageClasses, added with `driver.add_storage_class(construct_id, <Driver>StorageClassOptions(...))`.
See docs/storage.md.
"""

from cdk_containers.constructs.storage._backup import StorageBackupOptions
from cdk_containers.constructs.storage._common import ReclaimPolicy, StorageCluster
from cdk_containers.constructs.storage._driver import CsiDriver, StorageClass, StorageClassOptions
from cdk_containers.constructs.storage._trident import trident_backend_manifest
from cdk_containers.constructs.storage.ebs import (
    EbsCsiDriver,
    EbsFileSystemType,
    EbsStorageClass,
    EbsStorageClassOptions,
)
from cdk_containers.constructs.storage.efs import EfsCsiDriver, EfsStorageClass, EfsStorageClassOptions
from cdk_containers.constructs.storage.fsx_lustre import (
    FsxLustreCsiDriver,
    FsxLustreStorageClass,
    FsxLustreStorageClassOptions,
)
from cdk_containers.constructs.storage.fsx_ontap import (
    FsxOntapCsiDriver,
    OntapDeploymentType,
    OntapProvisioningType,
    OntapStorageClass,
    OntapStorageClassOptions,
)

__all__ = [
    "CsiDriver",
    "EbsCsiDriver",
    "EbsFileSystemType",
    "EbsStorageClass",
    "EbsStorageClassOptions",
    "EfsCsiDriver",
    "EfsStorageClass",
    "EfsStorageClassOptions",
    "FsxLustreCsiDriver",
    "FsxLustreStorageClass",
    "FsxLustreStorageClassOptions",
    "FsxOntapCsiDriver",
    "OntapDeploymentType",
    "OntapProvisioningType",
    "OntapStorageClass",
    "OntapStorageClassOptions",
    "ReclaimPolicy",
    "StorageBackupOptions",
    "StorageClass",
    "StorageClassOptions",
    "StorageCluster",
    "trident_backend_manifest",
]
