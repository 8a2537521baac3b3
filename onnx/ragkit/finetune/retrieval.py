"""The fixed passage index during fine-tuning, in one process or served to many as Hugging Face's distributed
retriever serves it (RagPyTorchDistributedRetriever): one process (rank 0) holds the passage vectors; every process
sends its questions' vectors to it through the process group (gather), rank 0 searches them all and sends each
process back its top-K passage ids and their vectors (scatter). Each process then scores its questions against
the vectors it was sent (rag_loss.doc_scores), so the gradient to the question encoder stays local.

Also: the data-parallel pieces that go with it (which questions a process takes, summing gradients and counts)."""
import numpy as np
import torch
import torch.distributed as dist

from ..train.common import step_rng
from .processes import collective_device
from ..train.rag_loss import top_k


class LocalIndex:
    """All passage vectors in this process, on its device: exact inner-product search."""

    def __init__(self, vectors, device="cpu"):
        self.vectors = torch.as_tensor(np.asarray(vectors, dtype=np.float32)).to(device)

    def search(self, question_vectors, k):
        """(ids [B, k], their vectors [B, k, D])."""
        ids = top_k(question_vectors, self.vectors, k)
        return ids, self.vectors[ids]


class ProcessGroupIndex:
    """The index held by rank 0 and searched for every process of the default process group. Every process must
    call `search` at the same step (it is a collective), each with its own questions (any number, 0 included)."""

    def __init__(self, vectors, dim, device="cpu"):
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self.local = LocalIndex(vectors, device) if self.rank == 0 else None
        assert (vectors is not None) == (self.rank == 0), "rank 0, and only rank 0, holds the passage vectors"
        # NOTE: what the collectives send lives where the backend wants it (GPU for NCCL); results go to `device`
        self.dim, self.device, self.wire = dim, torch.device(device), collective_device()

    def search(self, question_vectors, k):
        wire = self.wire
        queries = question_vectors.detach().float().to(wire)
        sizes = [torch.zeros(1, dtype=torch.long, device=wire) for _ in range(self.world)]
        dist.all_gather(sizes, torch.tensor([len(queries)], device=wire))
        sizes = [int(s) for s in sizes]
        width = max(sizes)
        padded = torch.zeros(width, self.dim, device=wire)
        padded[: len(queries)] = queries
        ids_out = torch.zeros(width, k, dtype=torch.long, device=wire)
        vectors_out = torch.zeros(width, k, self.dim, device=wire)
        if self.rank == 0:
            gathered = [torch.zeros(width, self.dim, device=wire) for _ in range(self.world)]
            dist.gather(padded, gathered, dst=0)
            ids, vectors = self.local.search(torch.cat([g[:n] for g, n in zip(gathered, sizes)]).to(self.device), k)
            ids_parts = _pad_parts(ids.to(wire), sizes, width)
            vector_parts = _pad_parts(vectors.to(wire), sizes, width)
            dist.scatter(ids_out, ids_parts, src=0)
            dist.scatter(vectors_out, vector_parts, src=0)
        else:
            dist.gather(padded, dst=0)
            dist.scatter(ids_out, src=0)
            dist.scatter(vectors_out, src=0)
        return ids_out[: len(queries)].to(self.device), vectors_out[: len(queries)].to(self.device)


def _pad_parts(tensor, sizes, width):
    """`tensor`'s rows split by `sizes`, each padded with zero rows to `width` (gloo's scatter wants equal sizes)."""
    parts, start = [], 0
    for n in sizes:
        part = torch.zeros((width,) + tuple(tensor.shape[1:]), dtype=tensor.dtype, device=tensor.device)
        part[:n] = tensor[start : start + n]
        parts.append(part)
        start += n
    return parts


def global_batch(cfg, items, step):
    """(questions, answers) of a step over all processes: the training questions in a seeded order per epoch,
    each with one of its answers drawn by (seed, step); the same whatever the number of processes."""
    rng, size, n = step_rng(cfg["seed"], step), cfg["batch_size"], len(items)
    orders = {}
    for pos in range(step * size, (step + 1) * size):
        if pos // n not in orders:
            orders[pos // n] = np.random.default_rng([cfg["seed"], pos // n]).permutation(n)
    picked = [items[orders[pos // n][pos % n]] for pos in range(step * size, (step + 1) * size)]
    return [q["question"] for q in picked], [rng.choice(q["answers"]) for q in picked]


def shard(items, rank, world):
    """This process's contiguous share of a global batch (the first `len % world` processes take one more)."""
    base, extra = divmod(len(items), world)
    start = rank * base + min(rank, extra)
    return items[start : start + base + (rank < extra)]


def all_sum(value):
    """The sum over processes of a float (itself in one process)."""
    if not (dist.is_available() and dist.is_initialized()):
        return float(value)
    out = torch.tensor([float(value)], dtype=torch.float64, device=collective_device())
    dist.all_reduce(out)
    return float(out)


def sum_gradients(parameters):
    """Sums every parameter's gradient over the processes, in one flat buffer (a parameter without a gradient in
    one process, e.g. given no questions, counts as zero). Each process's loss is its share of the global mean, so
    the sum is the gradient of the whole batch, the same as one process computes on all of it."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return
    params = list(parameters)
    for p in params:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
    flat = torch.cat([p.grad.reshape(-1) for p in params])
    dist.all_reduce(flat)
    offset = 0
    for p in params:
        p.grad.copy_(flat[offset : offset + p.numel()].view_as(p.grad))
        offset += p.numel()
