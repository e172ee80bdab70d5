rule make_dataset:
    output:
        data="results/data/{dataset}.npz",
    input:
        unpack(get_dataset_sources),
        code=library_code("scripts/make_dataset.py"),
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
        code=library_code("scripts/download_mnist.py"),
    params:
        mirrors=get_mnist_mirrors(),
    log:
        "logs/download_mnist/mnist.log",
    conda:
        "../../envs/liegg.yaml"
    script:
        "../scripts/download_mnist.py"
