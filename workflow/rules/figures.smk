rule plot_spectrum:
    output:
        pdf="figures/{study}_spectrum.pdf",
        png=report_figure("figures/{study}_spectrum.png", "spectrum"),
    input:
        spectra=rules.gather_tables.output.spectra,
        runs=rules.gather_tables.output.runs,
        code=code("plotting"),
    log:
        "logs/plot_spectrum/{study}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../notebooks/spectrum.py"
