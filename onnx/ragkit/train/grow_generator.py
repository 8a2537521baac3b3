"""Deepens a trained generator by copying its layers, so that a bigger reader starts from what the small one knows:

    /usr/bin/python3 -m ragkit.train.grow_generator --source=~/.cache/ragkit/runs/demo/generator_read.pt \
        --out=~/.cache/ragkit/runs/deep/generator_read.pt --factor=2

Why: the 2+2-layer reader plateaued (dev and unseen-dev exact match flat over its last 2,000 steps), and training a
bigger one from scratch takes ~10 hours on two cores. Progressive stacking (Gong et al. 2019, "Efficient Training
of BERT by Progressively Stacking") starts a deeper transformer from a shallower trained one by repeating its layers.
`order=stack` repeats the whole stack (layers 0 1 0 1), `order=repeat` each layer in place (0 0 1 1). Both change
the function.
`order=identity` (the default) keeps it: each layer is followed by a copy whose residual branches are silenced (the
attention output projections and the second feed-forward matrix zeroed, as zero-initialised residual branches in
Fixup and ReZero) and whose layer norms take the previous layer's final one; BART's layers are post-LayerNorm, and
with that layer norm's gain nearly constant and its bias near zero, normalising its output again is nearly the
identity: on the demo's reader the loss went from 0.414 to 0.425 and unseen-dev exact match from 37.5% to 35%
(`order=stack`, `repeat`: 4.3 and 3.0, and 0%). Gradients reach the zeroed matrices at once and the rest after.
The new checkpoint has no optimizer state, so the stage warms its learning rate up again from step 0
(`common.lr_at`)."""
import os

from ..overrides import parse_overrides
from .common import load_checkpoint, save_checkpoint

DEFAULTS = dict(
    source="",  # a generator checkpoint (generator_{stage}.pt)
    out="",  # where the deeper checkpoint goes (its stage is the name the training stage resumes from)
    factor=2,  # new depth = factor * old depth, for the encoder and the decoder
    order="identity",  # identity | stack | repeat
)


def layer_order(depth, factor, order):
    """Which old layer each new layer copies, and whether it is a silenced copy."""
    if order == "identity":
        return [(i, copy > 0) for i in range(depth) for copy in range(factor)]
    if order == "stack":
        return [(i, False) for _ in range(factor) for i in range(depth)]
    if order == "repeat":
        return [(i, False) for i in range(depth) for _ in range(factor)]
    raise ValueError(f"--order must be identity, stack or repeat, not {order!r}")


# Parameters that end a residual branch (zeroed in a silenced copy) and the layer norms it re-applies.
_BRANCH_ENDS = ("self_attn.out_proj.", "encoder_attn.out_proj.", "fc2.")
_LAYER_NORMS = ("self_attn_layer_norm.", "encoder_attn_layer_norm.", "final_layer_norm.")


def copied_parameter(layer_state, name, silenced):
    if not silenced:
        return layer_state[name].clone()
    if name.startswith(_BRANCH_ENDS):
        return layer_state[name].new_zeros(layer_state[name].shape)
    if name.startswith(_LAYER_NORMS):
        return layer_state["final_layer_norm." + name.rsplit(".", 1)[1]].clone()
    return layer_state[name].clone()


def grow_state(model_state, config, factor, order):
    """(state dict, config) of the deeper model; parameters outside the layers are kept as they are."""
    config = dict(config)
    grown = {k: v for k, v in model_state.items() if ".layers." not in k}
    for side in ("encoder", "decoder"):
        depth = config[f"{side}_layers"]
        prefix = f"model.{side}.layers."
        layers = [{k[len(f"{prefix}{i}."):]: v for k, v in model_state.items() if k.startswith(f"{prefix}{i}.")}
                  for i in range(depth)]
        for new, (old, silenced) in enumerate(layer_order(depth, factor, order)):
            for name in layers[old]:
                grown[f"{prefix}{new}.{name}"] = copied_parameter(layers[old], name, silenced)
        config[f"{side}_layers"] = depth * factor
    config["num_hidden_layers"] = config["encoder_layers"]
    return grown, config


def main(cfg):
    assert cfg["source"] and cfg["out"], "--source and --out are required"
    state = load_checkpoint(os.path.expanduser(cfg["source"]))
    assert state, f"no checkpoint at {cfg['source']}"
    model, config = grow_state(state["model"], state["config"], cfg["factor"], cfg["order"])
    save_checkpoint(os.path.expanduser(cfg["out"]), model=model, step=0, config=config,
                    stage_config=dict(state.get("stage_config") or {}, grown_from=cfg["source"],
                                      grow_factor=cfg["factor"], grow_order=cfg["order"]))
    print(f"{cfg['source']} -> {cfg['out']}: encoder {config['encoder_layers']}, decoder {config['decoder_layers']} "
          f"layers ({cfg['order']})")


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
