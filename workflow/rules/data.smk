rule make_dataset:
    output:
        data="results/data/{dataset}.npz",
    input:
        code=code("datasets", "tasks", "io"),
    params:
        spec=get_dataset_spec,
    log:
        "logs/make_dataset/{dataset}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/make_dataset.py"
