"""Data in and out: Salesforce sObject Tree JSON, Data Loader CSV, vCard.

The API a CLI or an application calls::

    from contactgraph.interop import ImportOptions, ImportMode, import_tree, import_csv

    report = import_tree(store, "data/data-plan.json",
                         options=ImportOptions(default_region="US"),
                         progress=lambda done, total: ...)
    report = import_csv(store, ["Account.csv", "Contact.csv"],
                        options=ImportOptions(mode=ImportMode.PARTIAL, results_dir="out/"))
    export_csv(store, "export/")            # Account.csv, Contact.csv, ...
    export_tree(store, "export-tree/")      # a data plan and one file per sObject
    account_vcards(account)                 # vCard 4.0 text
    import_files(store, paths)              # .json -> import_tree, .csv -> import_csv
    export_files(store, "out/", format="tree")

Imports write through the store's public API in one transaction; an
all-or-nothing import that meets a bad row raises
:class:`~contactgraph.errors.ImportRejectedError` and writes nothing.
"""

from contactgraph.interop.cells import neutralise, restore
from contactgraph.interop.dataloader import export_csv, import_csv, sobject_for_file
from contactgraph.interop.files import export_files, import_files
from contactgraph.interop.report import (
    ExportReport,
    ImportMode,
    ImportOptions,
    ImportReport,
    ObjectCounts,
    Progress,
)
from contactgraph.interop.sobject_tree import export_tree, import_tree, read_tree
from contactgraph.interop.vcard import account_vcards, vcard, write_vcards

__all__ = [
    "ExportReport",
    "ImportMode",
    "ImportOptions",
    "ImportReport",
    "ObjectCounts",
    "Progress",
    "account_vcards",
    "export_csv",
    "export_files",
    "export_tree",
    "import_csv",
    "import_files",
    "import_tree",
    "neutralise",
    "read_tree",
    "restore",
    "sobject_for_file",
    "vcard",
    "write_vcards",
]
