"""Device, precision and thread choices, made by detection and recorded in provenance.

The CPU kind changes between machines: with AMX-BF16 (Intel Sapphire Rapids and later) bf16
matmuls run several times faster than fp32; on CPUs without native bf16 (e.g. AMD Zen 3, AVX2)
PyTorch emulates it and a training step gets ~20x *slower*. "auto" therefore picks bf16 only where
the hardware has it (CUDA with bf16 support, or a CPU for which oneDNN reports native bf16), and
falls back to fp32 everywhere else. The decision and its reason go into every artifact's
provenance so that numbers from different machines can be told apart.
"""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from typing import Literal

import torch

Precision = Literal["auto", "fp32", "bf16"]


@dataclass(frozen=True)
class RuntimeChoice:
    device: str  # "cpu" or "cuda"
    precision: Literal["fp32", "bf16"]
    reason: str
    threads: int
    cpu_model: str
    torch_version: str

    def as_dict(self) -> dict:
        return asdict(self)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


def cpu_has_native_bf16() -> bool:
    """True where oneDNN runs bf16 natively (AMX / AVX512-BF16), False where it would emulate."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def choose_runtime(
    precision: Precision = "auto", device: str = "auto", threads: int | None = None
) -> RuntimeChoice:
    """Pick device, precision and CPU threads (threads = cores unless told otherwise)."""
    use_cuda = torch.cuda.is_available() if device == "auto" else device == "cuda"
    n_threads = threads or int(os.environ.get("OMP_NUM_THREADS", 0) or 0) or available_cores()
    torch.set_num_threads(n_threads)
    if use_cuda:
        native = torch.cuda.is_bf16_supported()
        name = torch.cuda.get_device_name()
        where = f"CUDA device {name}"
    else:
        native = cpu_has_native_bf16()
        name = cpu_model()
        where = f"CPU {name}"
    if precision == "fp32":
        chosen, reason = "fp32", "requested fp32"
    elif precision == "bf16":
        chosen = "bf16"
        reason = "requested bf16" + (
            "" if native else f" (WARNING: {where} emulates bf16: expect it to be slow)"
        )
    else:
        chosen = "bf16" if native else "fp32"
        reason = f"auto: {where} {'has' if native else 'lacks'} native bf16"
    return RuntimeChoice(
        device="cuda" if use_cuda else "cpu",
        precision=chosen,
        reason=reason,
        threads=n_threads,
        cpu_model=cpu_model(),
        torch_version=torch.__version__,
    )


def autocast(choice: RuntimeChoice):
    """The autocast context for a choice (a no-op context for fp32)."""
    return torch.autocast(device_type=choice.device, dtype=torch.bfloat16, enabled=choice.precision == "bf16")


def cast_for_inference(model: torch.nn.Module, choice: RuntimeChoice) -> torch.nn.Module:
    """bf16 runs: keep every ``Linear``'s weight and bias in bf16, once, for an inference-only model.

    Under autocast each linear call would otherwise re-cast its fp32 weight to bf16 (the same
    rounding, so the outputs are identical; measured: the casts took ~7% of an evaluation batch).
    Never for a model that trains (its fp32 master weights are what the optimiser updates), and
    never a linear tied to the input embeddings (an MLM decoder shares that matrix).
    """
    if choice.precision != "bf16":
        return model
    tied = {id(p) for m in model.modules() if isinstance(m, torch.nn.Embedding) for p in m.parameters()}
    for module in model.modules():
        if isinstance(module, torch.nn.Linear) and id(module.weight) not in tied:
            module.to(torch.bfloat16)
    return model


def process_state():
    """Accelerate's process state (rank, world size); several processes under ``accelerate launch``.

    On machines without CUDA the state must be told it is on CPU, or a multi-process launch
    (gloo) is mistaken for independent single processes that would each run the whole grid.
    """
    from accelerate import PartialState

    return PartialState(cpu=not torch.cuda.is_available())
