rule make_dataset:
    input:
        unpack(get_dataset_sources),
        code=library_code("scripts/make_dataset.py"),
    output:
        data="results/data/{dataset}.npz",
    log:
        "logs/make_dataset/{dataset}.log",
    conda:
        "../../envs/liegg.yaml"
    params:
        spec=get_dataset_spec,
    script:
        "../scripts/make_dataset.py"


rule download_mnist:
    input:
        code=library_code("scripts/download_mnist.py"),
    output:
        files=MNIST_FILES,
    log:
        "logs/download_mnist/mnist.log",
    conda:
        "../../envs/liegg.yaml"
    params:
        mirrors=get_mnist_mirrors(),
    script:
        "../scripts/download_mnist.py"
