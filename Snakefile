# LieGG reproduction workflow: config -> datasets -> trained runs -> spectra -> tables -> figures.
# The rules live in workflow/rules/, one file per stage; helpers in common.smk.

from snakemake.utils import min_version

min_version("9.0")


report: "workflow/report/workflow.rst"


# A --configfile on the command line replaces the default study instead of
# being merged into it, so a study absent from that file is not run.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/common_code.smk"
include: "workflow/rules/common_report.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/extract.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        get_final_output(),
        get_report_output(),
