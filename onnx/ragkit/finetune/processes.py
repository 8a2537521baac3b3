"""Where fine-tuning runs: the device of each process and the process group that joins several.

`--device=cpu` (the default): processes join over gloo. `--device=cuda`: each process trains on its own GPU,
`cuda:<local rank>`, and the processes join over NCCL, the backend for GPU tensors; every tensor a collective sends
then lives on that GPU (`collective_device`). Processes are started here (`--nproc`, torch.multiprocessing) or by
torchrun (its RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT in the environment)."""
import datetime
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

DEVICES = ("cpu", "cuda")


def check_device(cfg):
    """Refuses a device this machine lacks, before anything is prepared."""
    if cfg["device"] not in DEVICES:
        raise SystemExit(f"--device must be one of {', '.join(DEVICES)}, got {cfg['device']!r}")
    if cfg["device"] == "cuda":
        gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
        wanted = int(os.environ.get("LOCAL_WORLD_SIZE", cfg["nproc"]))
        if gpus < wanted:
            raise SystemExit(f"--device=cuda: {wanted} process(es) need as many GPUs; torch sees {gpus}")


def device_of(cfg, local_rank=0):
    """The torch device a process trains on."""
    return torch.device(f"cuda:{local_rank}") if cfg["device"] == "cuda" else torch.device("cpu")


def collective_device():
    """Where tensors sent through the default process group must live: NCCL sends only GPU tensors."""
    if dist.is_available() and dist.is_initialized() and dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def under_torchrun():
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def local_rank():
    return int(os.environ.get("LOCAL_RANK", 0)) if under_torchrun() else 0


def init_group(cfg, **kwargs):
    """Joins the default process group: NCCL on GPUs, gloo on CPUs."""
    if cfg["device"] == "cuda":
        torch.cuda.set_device(kwargs.pop("local_rank", local_rank()))
    kwargs.pop("local_rank", None)
    # NOTE: rank 0 measures dev and exports while the others wait in a collective: allow it hours, not minutes
    backend = "nccl" if cfg["device"] == "cuda" else "gloo"
    dist.init_process_group(backend, timeout=datetime.timedelta(hours=6), **kwargs)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, train, cfg, sums, port, world):
    init_group(cfg, init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world, local_rank=rank)
    try:
        train(cfg, sums, rank, world)
    finally:
        dist.destroy_process_group()


def spawn(train, cfg, sums):
    """Runs `train(cfg, sums, rank, world)` in `cfg["nproc"]` processes started here, on one machine."""
    mp.spawn(_worker, args=(train, cfg, sums, _free_port(), cfg["nproc"]), nprocs=cfg["nproc"], join=True)


def run_under_torchrun(prepare, train, cfg):
    """In a process torchrun started: rank 0 prepares (its error stops every process with the same message), then
    all train. Returns whether this process is rank 0."""
    init_group(cfg, init_method="env://")
    rank, world = dist.get_rank(), dist.get_world_size()
    holder = [None]
    if rank == 0:
        try:
            holder = [prepare(cfg)]
        except SystemExit as err:
            holder = [f"error: {err}"]
    dist.broadcast_object_list(holder, src=0, device=collective_device())
    if isinstance(holder[0], str):
        dist.destroy_process_group()
        raise SystemExit(holder[0][len("error: "):])
    try:
        train(cfg, holder[0], rank, world)
    finally:
        dist.destroy_process_group()
    return rank == 0
