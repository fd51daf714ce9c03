"""Tiny diffusers pipelines with random weights: fixtures for tests and CPU benchmarks, never for demos.

Each builder assembles a real diffusers pipeline class (the same code path as the released model)
from toy-sized components, seeds torch so the weights are the same on every run, and writes it with
``save_pretrained``: the folder then loads with ``DiffusionPipeline.from_pretrained(folder)`` with no
network. The sizes follow diffusers' own fast tests (tests/pipelines/wan/test_wan.py,
tests/pipelines/ltx2/test_ltx2.py); the text encoders and tokenizers, which those tests download
from the hub, are built here from in-memory configs and vocabularies instead.

Random weights give muddy, nearly flat frames and noise-like audio: good enough to check shapes,
seeds, progress and plumbing, useless for judging quality.
"""
from __future__ import annotations

from pathlib import Path

#: a few whole words plus single letters, so every lower-case prompt tokenizes without <unk> runs
_WAN_WORDS = ("a", "the", "cat", "dog", "robot", "dancing", "on", "in", "street", "night", "space", "ocean")


def build_tiny_wan(folder: Path) -> Path:
    """A WanPipeline (Wan 2.1 text-to-video layout) of about 65k parameters, saved to folder.

    Output needs height and width in multiples of 16 and 4k+1 frames, like the real model.
    """
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )
    from transformers import T5Tokenizer, UMT5Config, UMT5EncoderModel

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    pieces += [(f"\u2581{word}", -1.0) for word in _WAN_WORDS]
    pieces += [(letter, -5.0) for letter in "\u2581abcdefghijklmnopqrstuvwxyz0123456789"]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=0)

    torch.manual_seed(0)
    text_encoder = UMT5EncoderModel(UMT5Config(
        vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
        relative_attention_num_buckets=8,
    )).eval()  # eval(): a freshly built model is in training mode, and dropout would break seeding
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16, out_channels=16,
        text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32,
    )
    pipeline = WanPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer,
                           scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0))
    pipeline.save_pretrained(folder)
    return Path(folder)


def build_tiny_ltx2(folder: Path) -> Path:
    """An LTX2Pipeline (video with synchronized audio) of about 175k parameters, saved to folder.

    Two departures from diffusers' fast test make it behave like the released model where the
    backend cares: the video VAE patchifies 4x4 (8x spatial compression instead of 2x, so a
    64x64 clip is 64 tokens a frame rather than 1024, and a test stays well under a second), and
    the vocoder upsamples by the mel hop length (160) so the audio it returns lasts as long as the
    video, as the real 24 kHz vocoder's does.
    """
    import torch
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2Pipeline,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from transformers import (
        Gemma3Config,
        Gemma3ForConditionalGeneration,
        Gemma3TextConfig,
        GemmaTokenizer,
        SiglipVisionConfig,
    )

    # Byte-level BPE with no merges: every prompt becomes its UTF-8 bytes, nothing is <unk>.
    specials = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]
    vocab = {token: index for index, token in enumerate(specials + [f"<0x{byte:02X}>" for byte in range(256)])}
    tokenizer = GemmaTokenizer(vocab=vocab, merges=[])

    torch.manual_seed(0)
    text_config = Gemma3TextConfig(
        vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, head_dim=8, sliding_window=16, max_position_embeddings=2048,
    )
    vision_config = SiglipVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                       num_attention_heads=2, image_size=28, patch_size=14)
    text_encoder = Gemma3ForConditionalGeneration(Gemma3Config(
        text_config=text_config, vision_config=vision_config, mm_tokens_per_image=4,
        boi_token_index=0, eoi_token_index=0, image_token_index=0,
    )).eval()
    caption_channels = text_config.hidden_size

    transformer = LTX2VideoTransformer3DModel(
        in_channels=4, out_channels=4, patch_size=1, patch_size_t=1, num_attention_heads=2, attention_head_dim=8,
        cross_attention_dim=16, audio_in_channels=4, audio_out_channels=4, audio_num_attention_heads=2,
        audio_attention_head_dim=4, audio_cross_attention_dim=8, num_layers=2, qk_norm="rms_norm_across_heads",
        caption_channels=caption_channels, rope_double_precision=False, rope_type="split",
    )
    # The connectors' width (heads x head dim) must equal the text encoder's hidden size.
    connectors = LTX2TextConnectors(
        caption_channels=caption_channels, text_proj_in_factor=text_config.num_hidden_layers + 1,
        video_connector_num_attention_heads=4, video_connector_attention_head_dim=8, video_connector_num_layers=1,
        video_connector_num_learnable_registers=None, audio_connector_num_attention_heads=4,
        audio_connector_attention_head_dim=8, audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None, connector_rope_base_seq_len=32, rope_theta=10000.0,
        rope_double_precision=False, causal_temporal_positioning=False, rope_type="split",
    )
    vae = AutoencoderKLLTX2Video(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8,), decoder_block_out_channels=(8,),
        layers_per_block=(1,), decoder_layers_per_block=(1, 1), spatio_temporal_scaling=(True,),
        decoder_spatio_temporal_scaling=(True,), decoder_inject_noise=(False, False), downsample_type=("spatial",),
        upsample_residual=(False,), upsample_factor=(1,), timestep_conditioning=False, patch_size=4,
        patch_size_t=1, encoder_causal=True, decoder_causal=False,
    )
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4, output_channels=2, ch_mult=(1,), num_res_blocks=1, attn_resolutions=None, in_channels=2,
        resolution=32, latent_channels=2, norm_type="pixel", causality_axis="height", dropout=0.0,
        mid_block_add_attention=False, sample_rate=16000, mel_hop_length=160, is_causal=True, mel_bins=8,
    )
    vocoder = LTX2Vocoder(
        in_channels=audio_vae.config.output_channels * audio_vae.config.mel_bins, hidden_channels=32,
        out_channels=2, upsample_kernel_sizes=[20, 32], upsample_factors=[10, 16], resnet_kernel_sizes=[3],
        resnet_dilations=[[1, 3, 5]], leaky_relu_negative_slope=0.1, output_sampling_rate=16000,
    )
    pipeline = LTX2Pipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, audio_vae=audio_vae, text_encoder=text_encoder,
        tokenizer=tokenizer, connectors=connectors, transformer=transformer, vocoder=vocoder,
    )
    pipeline.save_pretrained(folder)
    return Path(folder)
