/*
 * prices: what a model call costs. Loads a price map in LiteLLM's format
 * (model_prices_and_context_window.json; docpipe ships a copy under
 * deploy/prices/, config key models.price_map points at a newer one), keeps
 * the per-token prices of each model, and turns the `usage` object of a chat
 * completion into US dollars. Self-hosted models are priced from what a GPU
 * hour costs and the throughput measured on it. A struct prices is
 * immutable once loaded and owns its table; struct price and struct usage
 * are plain values.
 */
#ifndef DOCPIPE_PRICES_H
#define DOCPIPE_PRICES_H

#include <jansson.h>
#include <stddef.h>

#include "../err.h"

/* Largest price map file prices_load reads. LiteLLM's is about 1.5 MB. */
#define PRICES_MAX_BYTES ((size_t)64 << 20)

/* Most tiers one model may have; more and the model is left unpriced. */
#define PRICES_MAX_TIERS 16

/* Largest token count usage_parse accepts in any field. It also bounds the
 * error of usage_cost (see prices.c). */
#define USAGE_MAX_TOKENS 1000000000L

/* The prices of one model for one call, in USD per token. cache_read is
 * what a prompt token served from the provider's cache costs; it is input
 * when the map gives no cache price. cache_write (cache creation) is kept
 * for completeness: OpenAI-compatible usage does not report cache writes,
 * so usage_cost does not use it. */
struct price {
        double input, output, cache_read, cache_write;
        long max_input_tokens;  /* 0 when unknown */
        long max_output_tokens; /* 0 when unknown */
        int tiered;             /* 1: picked from tiered_pricing */
        char provider[32];      /* litellm_provider, "" when unknown */
};

/* Token counts of one call. reasoning_tokens are part of completion_tokens
 * and cached_tokens part of prompt_tokens (OpenAI semantics). */
struct usage {
        long prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens;
};

struct prices;

/* Loads the price map at path. Returns a new table (free it with
 * prices_free), or NULL with err set to ERR_FATAL naming path: unreadable,
 * larger than PRICES_MAX_BYTES, not JSON, not an object, or no model with
 * token prices in it. Entries that are not objects ("last_updated"),
 * "sample_spec", models without token prices (images, audio) and models
 * whose prices are not non-negative numbers are left out: such a model is
 * unknown rather than priced wrong. */
struct prices *prices_load(const char *path, struct err *err);

/* prices_load with a size cap of max_bytes instead of PRICES_MAX_BYTES. */
struct prices *prices_load_max(const char *path, size_t max_bytes,
                               struct err *err);

/* Frees p; prices_free(NULL) is a no-op. */
void prices_free(struct prices *p);

/* "sha256:" and the first 16 hex digits of the file's SHA-256: which map
 * priced a call. Borrowed from p. */
const char *prices_version(const struct prices *p);

/* Number of models kept. */
size_t prices_count(const struct prices *p);

/* Fills *out with the prices of model key for a call of prompt_tokens
 * tokens and returns 0, or returns -1 when the model is unknown (out is
 * then untouched). Looks up key as it is, then the part after its last '/'
 * ("openrouter/openai/gpt-5" finds "gpt-5"). For a model with
 * tiered_pricing the whole call is billed at one tier, chosen the way
 * Alibaba and LiteLLM do: lo < prompt_tokens <= hi, the first tier below
 * that, the last tier above the highest range. */
int prices_get(const struct prices *p, const char *key, long prompt_tokens,
               struct price *out);

/* Prices of a self-hosted model. The GPU costs usd_per_hour whether busy or
 * not, and does input_tps prompt tokens per second when prefilling and
 * output_tps tokens per second when decoding (both measured at the
 * concurrency it runs at, summed over the batch). A call of P prompt and C
 * completion tokens then holds the GPU for P / input_tps + C / output_tps
 * seconds, so input = usd_per_hour / 3600 / input_tps and likewise output.
 * No prefix cache discount is assumed: cache_read = cache_write = input.
 * Arguments must be finite and > 0 (usd_per_hour may be 0); the config
 * validates them; a side whose rate is not gets price 0. */
struct price price_from_gpu(double usd_per_hour, double input_tps,
                            double output_tps);

/* Applies a configured override obj (borrowed), an object with any of
 * input_per_million, output_per_million, cache_read_per_million,
 * cache_write_per_million (USD per million tokens, what people write) and
 * max_input_tokens, to *p. A new input price without a cache price sets
 * cache_read and cache_write to it: cached tokens are billed in full
 * unless the override says otherwise. Returns 0, or -1 with err set to
 * ERR_FATAL for an unknown key or a value that is not a non-negative
 * number; p is then untouched. */
int prices_override(struct price *p, const json_t *obj, struct err *err);

/* Reads the `usage` object (borrowed; may be NULL) of a chat completion
 * into *u. Understands OpenAI and vLLM (prompt_tokens, completion_tokens,
 * prompt_tokens_details.cached_tokens,
 * completion_tokens_details.reasoning_tokens), DeepSeek
 * (prompt_cache_hit_tokens + prompt_cache_miss_tokens = prompt_tokens) and
 * servers that leave the details out or null (Ollama: nothing cached).
 * When total_tokens shows that completion_tokens left the reasoning tokens
 * out (some Gemini gateways), they are added to it once.
 * Returns 0, or -1 with err set to ERR_INPUT: "reply has no usage" when
 * usage is NULL or null (the call cannot be priced; the caller decides
 * whether that fails the call), or a message naming the field that is not
 * an integer in [0, USAGE_MAX_TOKENS] or the counts that disagree
 * ("inconsistent usage: ..."). u is untouched on error. */
int usage_parse(const json_t *usage, struct usage *u, struct err *err);

/* USD for u at p: (prompt - cached) * input + cached * cache_read
 * + completion * output. Exact to 1e-9 USD; see prices.c. */
double usage_cost(const struct usage *u, const struct price *p);

#endif
