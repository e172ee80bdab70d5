rule make_dataset:
    output:
        data="results/data/{dataset}.npz",
    input:
        unpack(get_dataset_sources),
        code=get_dataset_code,
    params:
        spec=get_dataset_spec,
    log:
        "logs/make_dataset/{dataset}.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/make_dataset.py"


rule download_mnist:
    output:
        files=MNIST_FILES,
    input:
        code=code("mnist"),
    params:
        mirrors=get_mnist_mirrors(),
    log:
        "logs/download_mnist/mnist.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/download_mnist.py"
