/*
 * segprofile_hmac — a DuckDB extension (C extension API) computing the pseudonyms of an import.
 *
 *   segprofile_hmac(pads BLOB, prefix VARCHAR, mode INTEGER, value VARCHAR) -> VARCHAR
 *
 * The first 16 bytes (128 bits) of HMAC-SHA256(key, prefix || canonical(value)) in base64url
 * without padding (RFC 4648 §5; 22 characters), byte for byte what
 * segprofile.data.privacy.pseudonym() gives. ``pads`` is the 128 bytes (K ^ ipad) || (K ^ opad)
 * of the padded key, passed from a connection variable so that the key never appears in SQL
 * text; its two SHA-256 midstates are computed once per chunk. The canonical form (mode):
 *   0  the value as it is (made canonical in SQL before the call);
 *   1  separators removed (СНИЛС, ИНН, passport);
 *   2  separators removed, then a phone of 10 digits gets a leading 7, of 11 starting with 8 has
 *      it replaced by 7.
 * The separators are those of privacy.SEPARATORS: - ( ) + . / and every character Python counts
 * as white space (ASCII tab to carriage return, U+001C..U+001F, space, U+0085, U+00A0, U+1680,
 * U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), anywhere in the value.
 * NULL, and a value empty after cleaning, give NULL.
 *
 * As a scalar function of the engine it runs inside DuckDB's pipelines, on all its threads.
 * The SHA-256 block function uses the processor's SHA instructions when it has them (checked
 * with CPUID at load), else portable C. The twin in Python is segprofile.data._hmac_kernel; the
 * tests compare both with the hmac module.
 */
#define DUCKDB_EXTENSION_NAME segprofile_hmac
#define DUCKDB_EXTENSION_API_VERSION_MAJOR 1
#define DUCKDB_EXTENSION_API_VERSION_MINOR 5
#define DUCKDB_EXTENSION_API_VERSION_PATCH 6
#include "duckdb_extension.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && !defined(SEGPROFILE_PORTABLE)
#include <cpuid.h>
#include <immintrin.h>
#define SEGPROFILE_X86 1
#endif

DUCKDB_EXTENSION_EXTERN

static const uint32_t K[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

typedef void (*compress_fn)(uint32_t state[8], const uint8_t *data, size_t blocks);

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* FIPS 180-4 block function in portable C. */
static void compress_c(uint32_t state[8], const uint8_t *data, size_t blocks) {
	uint32_t w[64];
	while (blocks--) {
		for (int t = 0; t < 16; t++) {
			const uint8_t *p = data + 4 * t;
			w[t] = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
		}
		for (int t = 16; t < 64; t++) {
			uint32_t s0 = ROTR(w[t - 15], 7) ^ ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
			uint32_t s1 = ROTR(w[t - 2], 17) ^ ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);
			w[t] = w[t - 16] + s0 + w[t - 7] + s1;
		}
		uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
		uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
		for (int t = 0; t < 64; t++) {
			uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
			uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
			h = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + t2;
		}
		state[0] += a;
		state[1] += b;
		state[2] += c;
		state[3] += d;
		state[4] += e;
		state[5] += f;
		state[6] += g;
		state[7] += h;
		data += 64;
	}
}

/* Short identifiers — almost all — are one block after the key, so their HMACs are computed
 * BATCH at a time: with AVX-512 as 16 lanes of one vector (each 32-bit lane one hash), with
 * the SHA extensions as 4 interleaved hashes (one hash's rounds wait on each other and leave
 * the SHA unit idle), else one after another. A batch takes the padded message blocks and
 * gives the first four words of each HMAC. */
#define BATCH 16
typedef void (*hmac_batch_fn)(const uint32_t istate[8], const uint32_t ostate[8], const uint8_t blocks[BATCH][64],
                              uint32_t digests[BATCH][4]);

static void put_be32(uint8_t *p, uint32_t v) {
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The outer block: the inner digest, then the padding of (64 + 32) bytes = 768 bits. */
static void outer_block(const uint32_t inner[8], uint8_t block[64]) {
	for (int j = 0; j < 8; j++) {
		put_be32(block + 4 * j, inner[j]);
	}
	memset(block + 32, 0, 32);
	block[32] = 0x80;
	block[62] = 0x03;
}

static void hmac_batch_c(const uint32_t istate[8], const uint32_t ostate[8], const uint8_t blocks[BATCH][64],
                         uint32_t digests[BATCH][4]) {
	for (int l = 0; l < BATCH; l++) {
		uint32_t st[8];
		uint8_t outer[64];
		memcpy(st, istate, sizeof st);
		compress_c(st, blocks[l], 1);
		outer_block(st, outer);
		memcpy(st, ostate, sizeof st);
		compress_c(st, outer, 1);
		memcpy(digests[l], st, 4 * sizeof(uint32_t));
	}
}

#ifdef SEGPROFILE_X86
/* The same with the SHA extensions (Intel SHA-NI, AMD Zen): four rounds per two instructions.
 * W[g] (words 4g..4g+3) = msg2(msg1(W[g-4], W[g-3]) + alignr(W[g-1], W[g-2], 4), W[g-1]).
 * The state is kept as ABEF / CDGH, the order the instructions want. */
#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

SHA_TARGET static inline void state_in(const uint32_t state[8], __m128i *s0, __m128i *s1) {
	__m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[0]), 0xB1); /* CDAB */
	__m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[4]), 0x1B); /* EFGH */
	*s0 = _mm_alignr_epi8(tmp, efgh, 8);                                                 /* ABEF */
	*s1 = _mm_blend_epi16(efgh, tmp, 0xF0);                                              /* CDGH */
}

SHA_TARGET static inline void state_out(__m128i s0, __m128i s1, uint32_t state[8]) {
	__m128i tmp = _mm_shuffle_epi32(s0, 0x1B); /* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xB1);          /* DCHG */
	_mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(tmp, s1, 0xF0)); /* DCBA */
	_mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(s1, tmp, 8));    /* ABEF */
}

SHA_TARGET static inline __m128i schedule(__m128i m[4], int g, const uint8_t *data) {
	static const uint64_t MASK_HI = 0x0c0d0e0f08090a0bULL, MASK_LO = 0x0405060700010203ULL;
	__m128i w;
	if (g < 4) {
		w = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * g)), _mm_set_epi64x(MASK_HI, MASK_LO));
	} else {
		__m128i w4 = m[g & 3], w3 = m[(g + 1) & 3], w2 = m[(g + 2) & 3], w1 = m[(g + 3) & 3];
		w = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w4, w3), _mm_alignr_epi8(w1, w2, 4)), w1);
	}
	m[g & 3] = w;
	return w;
}

SHA_TARGET static void compress_shani(uint32_t state[8], const uint8_t *data, size_t blocks) {
	__m128i s0, s1;
	state_in(state, &s0, &s1);
	while (blocks--) {
		__m128i abef = s0, cdgh = s1, m[4];
		for (int g = 0; g < 16; g++) {
			__m128i msg = _mm_add_epi32(schedule(m, g, data), _mm_load_si128((const __m128i *)&K[4 * g]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
			s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0E));
		}
		s0 = _mm_add_epi32(s0, abef);
		s1 = _mm_add_epi32(s1, cdgh);
		data += 64;
	}
	state_out(s0, s1, state);
}

#define LANES 4
SHA_TARGET static void compress_lanes_shani(uint32_t state[LANES][8], const uint8_t *data[LANES]) {
	__m128i s0[LANES], s1[LANES], abef[LANES], cdgh[LANES], m[LANES][4];
	for (int l = 0; l < LANES; l++) {
		state_in(state[l], &s0[l], &s1[l]);
		abef[l] = s0[l];
		cdgh[l] = s1[l];
	}
	for (int g = 0; g < 16; g++) {
		__m128i k = _mm_load_si128((const __m128i *)&K[4 * g]);
		for (int l = 0; l < LANES; l++) {
			__m128i msg = _mm_add_epi32(schedule(m[l], g, data[l]), k);
			s1[l] = _mm_sha256rnds2_epu32(s1[l], s0[l], msg);
			s0[l] = _mm_sha256rnds2_epu32(s0[l], s1[l], _mm_shuffle_epi32(msg, 0x0E));
		}
	}
	for (int l = 0; l < LANES; l++) {
		state_out(_mm_add_epi32(s0[l], abef[l]), _mm_add_epi32(s1[l], cdgh[l]), state[l]);
	}
}

static void hmac_batch_shani(const uint32_t istate[8], const uint32_t ostate[8], const uint8_t blocks[BATCH][64],
                             uint32_t digests[BATCH][4]) {
	for (int base = 0; base < BATCH; base += LANES) {
		uint32_t st[LANES][8];
		uint8_t outer[LANES][64];
		const uint8_t *data[LANES];
		for (int l = 0; l < LANES; l++) {
			memcpy(st[l], istate, sizeof st[l]);
			data[l] = blocks[base + l];
		}
		compress_lanes_shani(st, data);
		for (int l = 0; l < LANES; l++) {
			outer_block(st[l], outer[l]);
			memcpy(st[l], ostate, sizeof st[l]);
			data[l] = outer[l];
		}
		compress_lanes_shani(st, data);
		for (int l = 0; l < LANES; l++) {
			memcpy(digests[base + l], st[l], 4 * sizeof(uint32_t));
		}
	}
}

/* Sixteen hashes in the 32-bit lanes of AVX-512 vectors: the rotations and three-input logic
 * (vprord, vpternlogd) make a round about a dozen vector instructions for all sixteen. */
#define AVX512_TARGET __attribute__((target("avx512f")))

AVX512_TARGET static inline void rounds_x16(__m512i s[8], __m512i w[16]) {
	__m512i a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
	/* Unrolled, so that the sixteen schedule words stay in registers. */
#pragma GCC unroll 64
	for (int t = 0; t < 64; t++) {
		__m512i wt;
		if (t < 16) {
			wt = w[t];
		} else {
			__m512i x = w[(t - 15) & 15], y = w[(t - 2) & 15];
			__m512i s0 = _mm512_ternarylogic_epi32(_mm512_ror_epi32(x, 7), _mm512_ror_epi32(x, 18),
			                                       _mm512_srli_epi32(x, 3), 0x96);
			__m512i s1 = _mm512_ternarylogic_epi32(_mm512_ror_epi32(y, 17), _mm512_ror_epi32(y, 19),
			                                       _mm512_srli_epi32(y, 10), 0x96);
			wt = w[t & 15] = _mm512_add_epi32(_mm512_add_epi32(w[t & 15], s0), _mm512_add_epi32(w[(t - 7) & 15], s1));
		}
		__m512i big1 = _mm512_ternarylogic_epi32(_mm512_ror_epi32(e, 6), _mm512_ror_epi32(e, 11),
		                                         _mm512_ror_epi32(e, 25), 0x96);
		__m512i ch = _mm512_ternarylogic_epi32(e, f, g, 0xCA);
		__m512i t1 = _mm512_add_epi32(_mm512_add_epi32(h, big1),
		                              _mm512_add_epi32(ch, _mm512_add_epi32(wt, _mm512_set1_epi32((int)K[t]))));
		__m512i big0 = _mm512_ternarylogic_epi32(_mm512_ror_epi32(a, 2), _mm512_ror_epi32(a, 13),
		                                         _mm512_ror_epi32(a, 22), 0x96);
		__m512i maj = _mm512_ternarylogic_epi32(a, b, c, 0xE8);
		h = g;
		g = f;
		f = e;
		e = _mm512_add_epi32(d, t1);
		d = c;
		c = b;
		b = a;
		a = _mm512_add_epi32(t1, _mm512_add_epi32(big0, maj));
	}
	s[0] = _mm512_add_epi32(s[0], a);
	s[1] = _mm512_add_epi32(s[1], b);
	s[2] = _mm512_add_epi32(s[2], c);
	s[3] = _mm512_add_epi32(s[3], d);
	s[4] = _mm512_add_epi32(s[4], e);
	s[5] = _mm512_add_epi32(s[5], f);
	s[6] = _mm512_add_epi32(s[6], g);
	s[7] = _mm512_add_epi32(s[7], h);
}

AVX512_TARGET static void hmac_batch_avx512(const uint32_t istate[8], const uint32_t ostate[8],
                                            const uint8_t blocks[BATCH][64], uint32_t digests[BATCH][4]) {
	uint32_t words[16][BATCH] __attribute__((aligned(64)));
	for (int l = 0; l < BATCH; l++) { /* transpose: word t of every block side by side */
		for (int t = 0; t < 16; t++) {
			uint32_t v;
			memcpy(&v, blocks[l] + 4 * t, 4);
			words[t][l] = __builtin_bswap32(v);
		}
	}
	__m512i s[8], w[16];
	for (int t = 0; t < 16; t++) {
		w[t] = _mm512_load_si512((const void *)words[t]);
	}
	for (int j = 0; j < 8; j++) {
		s[j] = _mm512_set1_epi32((int)istate[j]);
	}
	rounds_x16(s, w);
	for (int j = 0; j < 8; j++) { /* the outer block: inner digest, 0x80, zeros, 768 bits */
		w[j] = s[j];
		s[j] = _mm512_set1_epi32((int)ostate[j]);
	}
	w[8] = _mm512_set1_epi32((int)0x80000000u);
	for (int j = 9; j < 15; j++) {
		w[j] = _mm512_setzero_si512();
	}
	w[15] = _mm512_set1_epi32(768);
	rounds_x16(s, w);
	for (int j = 0; j < 4; j++) {
		_mm512_store_si512((void *)words[j], s[j]);
	}
	for (int l = 0; l < BATCH; l++) {
		for (int j = 0; j < 4; j++) {
			digests[l][j] = words[j][l];
		}
	}
}

static int has_avx512(void) {
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f");
}

static int has_sha_extensions(void) {
	unsigned int a, b, c, d;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		return 0;
	}
	int sha = (b >> 29) & 1;
	if (!__get_cpuid(1, &a, &b, &c, &d)) {
		return 0;
	}
	int sse41 = (c >> 19) & 1, ssse3 = (c >> 9) & 1;
	return sha && sse41 && ssse3;
}
#endif

/* Chosen when the extension is loaded (choose_backend); read with relaxed atomic loads, since
 * another database in the same process may load it again while a query runs. Every choice
 * computes the same pseudonyms. */
static compress_fn COMPRESS_FN = compress_c;
static hmac_batch_fn HMAC_BATCH_FN = hmac_batch_c;
#define COMPRESS (__atomic_load_n(&COMPRESS_FN, __ATOMIC_RELAXED))
#define HMAC_BATCH (__atomic_load_n(&HMAC_BATCH_FN, __ATOMIC_RELAXED))

/* What a byte is in a number's canonical form: kept, an ASCII separator (dropped), or the
 * first byte of a multi-byte white space (C2, E1, E2, E3), dropped when the rest follows. */
enum { KEEP = 0, DROP = 1, LEAD = 2 };
static const uint8_t BYTE_CLASS[256] = {
    ['-'] = DROP,  ['('] = DROP,  [')'] = DROP,  ['+'] = DROP,  ['.'] = DROP,  ['/'] = DROP,
    ['\t'] = DROP, ['\n'] = DROP, ['\v'] = DROP, ['\f'] = DROP, ['\r'] = DROP, [0x1C] = DROP,
    [0x1D] = DROP, [0x1E] = DROP, [0x1F] = DROP, [' '] = DROP,  [0xC2] = LEAD,  [0xE1] = LEAD,
    [0xE2] = LEAD, [0xE3] = LEAD,
};

/* The length of the multi-byte white space at p (U+0085, U+00A0, U+1680, U+2000..U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000), or 0. */
static int unicode_space(const uint8_t *p, size_t left) {
	if (p[0] == 0xC2) {
		return left >= 2 && (p[1] == 0x85 || p[1] == 0xA0) ? 2 : 0;
	}
	if (left < 3) {
		return 0;
	}
	switch (p[0]) {
	case 0xE1:
		return p[1] == 0x9A && p[2] == 0x80 ? 3 : 0;
	case 0xE2:
		if (p[1] == 0x80) {
			return p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF ? 3 : 0;
		}
		return p[1] == 0x81 && p[2] == 0x9F ? 3 : 0;
	case 0xE3:
		return p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
	default:
		return 0;
	}
}

#define PSEUDONYM_CHARS 22
/* A message of at most this many bytes, with its padding, fits in one block. */
#define ONE_BLOCK 55

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* SHA-256 padding of a message of ``size`` bytes after the 64-byte key block, in place. */
static size_t pad(uint8_t *buf, size_t size) {
	size_t total = (size + 9 + 63) / 64 * 64;
	buf[size] = 0x80;
	memset(buf + size + 1, 0, total - 8 - size - 1);
	uint64_t bits = (uint64_t)(64 + size) * 8;
	for (int j = 0; j < 8; j++) {
		buf[total - 1 - j] = (uint8_t)(bits >> (8 * j));
	}
	return total;
}

/* Two base64url characters for each 12-bit value; filled once, when the library is loaded
 * (before any query can run), and only read afterwards. */
static uint16_t B64_PAIRS[4096];

__attribute__((constructor)) static void init_b64_pairs(void) {
	for (int v = 0; v < 4096; v++) {
		char pair[2] = {B64URL[v >> 6], B64URL[v & 63]};
		memcpy(&B64_PAIRS[v], pair, 2);
	}
}

/* The first 16 bytes (128 bits) of a digest in base64url without padding: 22 characters, the
 * last of which carries 2 bits (with four zero bits after them). */
static void encode(const uint32_t digest[4], char *out) {
	const uint64_t hi = ((uint64_t)digest[0] << 32) | digest[1];
	const uint64_t lo = ((uint64_t)digest[2] << 32) | digest[3];
	for (int j = 0; j < 5; j++) { /* bits 0..59 of the 128, 12 at a time */
		memcpy(out + 2 * j, &B64_PAIRS[(hi >> (52 - 12 * j)) & 4095], 2);
	}
	const uint64_t mid = ((hi & 0xF) << 8) | (lo >> 56); /* bits 60..71 */
	memcpy(out + 10, &B64_PAIRS[mid], 2);
	for (int j = 0; j < 4; j++) { /* bits 72..119 */
		memcpy(out + 12 + 2 * j, &B64_PAIRS[(lo >> (44 - 12 * j)) & 4095], 2);
	}
	memcpy(out + 20, &B64_PAIRS[(lo & 0xFF) << 4], 2); /* bits 120..127, then zeros */
}

typedef struct {
	uint32_t istate[8]; /* SHA-256 state after the key block K ^ ipad */
	uint32_t ostate[8]; /* ... after K ^ opad */
	uint8_t *buf;       /* prefix || canonical value || padding */
	size_t cap;
	/* single-block messages waiting to be hashed together */
	uint8_t blocks[BATCH][64] __attribute__((aligned(64)));
	idx_t rows[BATCH];
	int waiting;
} hmac_ctx;

/* One HMAC of buf[0:size], a message of any length, into out. */
static void hmac_long(hmac_ctx *ctx, size_t size, char *out) {
	size_t total = pad(ctx->buf, size);
	uint32_t st[8];
	uint8_t block[64];
	memcpy(st, ctx->istate, sizeof st);
	COMPRESS(st, ctx->buf, total / 64);
	outer_block(st, block);
	memcpy(st, ctx->ostate, sizeof st);
	COMPRESS(st, block, 1);
	encode(st, out);
}

/* The waiting single-block messages, hashed BATCH at a time (idle lanes repeat lane 0). */
static void flush(hmac_ctx *ctx, duckdb_vector output) {
	uint32_t digests[BATCH][4];
	char text[PSEUDONYM_CHARS + 2];
	for (int l = ctx->waiting; l < BATCH; l++) {
		memcpy(ctx->blocks[l], ctx->blocks[0], 64);
	}
	HMAC_BATCH(ctx->istate, ctx->ostate, (const uint8_t(*)[64])ctx->blocks, digests);
	for (int l = 0; l < ctx->waiting; l++) {
		encode(digests[l], text);
		/* base64url is ASCII: DuckDB's UTF-8 check is skipped */
		duckdb_unsafe_vector_assign_string_element_len(output, ctx->rows[l], text, PSEUDONYM_CHARS);
	}
	ctx->waiting = 0;
}

static int reserve(hmac_ctx *ctx, size_t need) {
	if (need <= ctx->cap) {
		return 1;
	}
	size_t cap = need < 2 * ctx->cap ? 2 * ctx->cap : need;
	uint8_t *grown = (uint8_t *)realloc(ctx->buf, cap);
	if (!grown) {
		return 0;
	}
	ctx->buf = grown;
	ctx->cap = cap;
	return 1;
}

static inline const char *string_data(duckdb_string_t *s, uint32_t *len) {
	*len = s->value.inlined.length;
	return *len <= 12 ? s->value.inlined.inlined : s->value.pointer.ptr;
}

static inline int row_valid(const uint64_t *mask, idx_t row) {
	return !mask || ((mask[row / 64] >> (row % 64)) & 1);
}

/* The canonical form of value v written at out (room for len + 1 bytes); returns its size. */
static size_t canonical(uint8_t *out, int32_t mode, const uint8_t *v, uint32_t len) {
	if (mode == 0) {
		memcpy(out, v, len);
		return len;
	}
	/* Fast path, without branches: every byte is written, the write position advances past
	 * the kept ones. A lead byte of a multi-byte space sends the value to the careful path. */
	size_t size = 0;
	uint8_t lead = 0;
	for (uint32_t j = 0; j < len; j++) {
		uint8_t c = v[j], cls = BYTE_CLASS[c];
		out[size] = c;
		size += cls == KEEP;
		lead |= cls & 2;
	}
	if (lead) {
		size = 0;
		for (uint32_t j = 0; j < len;) {
			uint8_t c = v[j];
			uint8_t cls = BYTE_CLASS[c];
			if (cls == DROP) {
				j++;
				continue;
			}
			int skip = cls == LEAD ? unicode_space(v + j, len - j) : 0;
			if (skip) {
				j += (uint32_t)skip;
				continue;
			}
			out[size++] = c;
			j++;
		}
	}
	if (mode == 2) { /* phones: 8XXXXXXXXXX and XXXXXXXXXX become 7XXXXXXXXXX */
		size_t chars = 0;
		for (size_t j = 0; j < size; j++) {
			chars += (out[j] & 0xC0) != 0x80;
		}
		if (chars == 11 && out[0] == '8') {
			out[0] = '7';
		} else if (chars == 10) {
			memmove(out + 1, out, size);
			out[0] = '7';
			size++;
		}
	}
	return size;
}

static int same_string(duckdb_string_t *a, duckdb_string_t *b) {
	uint32_t la, lb;
	const char *da = string_data(a, &la), *db = string_data(b, &lb);
	return la == lb && (da == db || memcmp(da, db, la) == 0);
}

/* The key, prefix and mode are constants of the query: DuckDB hands them over flattened, one
 * copy per row. Anything else (a column) would be misread as row 0's value: refused. */
static int constant_arguments(idx_t n, duckdb_vector pads_vec, duckdb_vector prefix_vec, duckdb_vector mode_vec) {
	duckdb_string_t *pads = (duckdb_string_t *)duckdb_vector_get_data(pads_vec);
	duckdb_string_t *prefix = (duckdb_string_t *)duckdb_vector_get_data(prefix_vec);
	int32_t *mode = (int32_t *)duckdb_vector_get_data(mode_vec);
	const uint64_t *masks[3] = {duckdb_vector_get_validity(pads_vec), duckdb_vector_get_validity(prefix_vec),
	                            duckdb_vector_get_validity(mode_vec)};
	for (idx_t i = 1; i < n; i++) {
		for (int k = 0; k < 3; k++) {
			if (!row_valid(masks[k], i)) {
				return 0;
			}
		}
		if (mode[i] != mode[0] || !same_string(&pads[i], &pads[0]) || !same_string(&prefix[i], &prefix[0])) {
			return 0;
		}
	}
	return 1;
}

static void pseudonym_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
	idx_t n = duckdb_data_chunk_get_size(input);
	if (n == 0) {
		return;
	}
	duckdb_vector pads_vec = duckdb_data_chunk_get_vector(input, 0);
	duckdb_vector prefix_vec = duckdb_data_chunk_get_vector(input, 1);
	duckdb_vector mode_vec = duckdb_data_chunk_get_vector(input, 2);
	duckdb_vector value_vec = duckdb_data_chunk_get_vector(input, 3);
	/* The first three arguments are the same on every row (constants of the query). */
	if (!row_valid(duckdb_vector_get_validity(pads_vec), 0) || !row_valid(duckdb_vector_get_validity(prefix_vec), 0) ||
	    !row_valid(duckdb_vector_get_validity(mode_vec), 0)) {
		duckdb_scalar_function_set_error(info, "segprofile_hmac: the key, prefix and mode must not be NULL");
		return;
	}
	uint32_t pads_len, prefix_len;
	const uint8_t *pads = (const uint8_t *)string_data((duckdb_string_t *)duckdb_vector_get_data(pads_vec), &pads_len);
	const char *prefix = string_data((duckdb_string_t *)duckdb_vector_get_data(prefix_vec), &prefix_len);
	int32_t mode = ((int32_t *)duckdb_vector_get_data(mode_vec))[0];
	if (pads_len != 128 || mode < 0 || mode > 2) {
		duckdb_scalar_function_set_error(info, "segprofile_hmac: pads must be 128 bytes and mode 0..2");
		return;
	}
	if (prefix_len > 64) {
		duckdb_scalar_function_set_error(info, "segprofile_hmac: the prefix must be at most 64 bytes");
		return;
	}
	if (!constant_arguments(n, pads_vec, prefix_vec, mode_vec)) {
		duckdb_scalar_function_set_error(info, "segprofile_hmac: the key, prefix and mode must be the same on every row");
		return;
	}
	hmac_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	memcpy(ctx.istate, IV, sizeof IV);
	memcpy(ctx.ostate, IV, sizeof IV);
	COMPRESS(ctx.istate, pads, 1);
	COMPRESS(ctx.ostate, pads + 64, 1);
	if (!reserve(&ctx, prefix_len + 256)) {
		duckdb_scalar_function_set_error(info, "segprofile_hmac: out of memory");
		return;
	}
	memcpy(ctx.buf, prefix, prefix_len);

	duckdb_string_t *values = (duckdb_string_t *)duckdb_vector_get_data(value_vec);
	const uint64_t *in_mask = duckdb_vector_get_validity(value_vec);
	uint64_t *out_mask = NULL;
	char text[PSEUDONYM_CHARS + 2];
	for (idx_t i = 0; i < n; i++) {
		size_t size = 0;
		if (row_valid(in_mask, i)) {
			uint32_t len;
			const uint8_t *v = (const uint8_t *)string_data(&values[i], &len);
			if (prefix_len + (size_t)len + 1 <= ONE_BLOCK) { /* straight into the batch's block */
				uint8_t *block = ctx.blocks[ctx.waiting];
				memcpy(block, prefix, prefix_len);
				size = canonical(block + prefix_len, mode, v, len);
				if (size) {
					pad(block, prefix_len + size);
					ctx.rows[ctx.waiting++] = i;
					if (ctx.waiting == BATCH) {
						flush(&ctx, output);
					}
					continue;
				}
			} else {
				/* prefix + value + a phone's extra 7 + padding (at most 72 bytes) */
				if (!reserve(&ctx, prefix_len + (size_t)len + 1 + 72)) {
					free(ctx.buf);
					duckdb_scalar_function_set_error(info, "segprofile_hmac: out of memory");
					return;
				}
				size = canonical(ctx.buf + prefix_len, mode, v, len);
				if (size) {
					hmac_long(&ctx, prefix_len + size, text);
					duckdb_unsafe_vector_assign_string_element_len(output, i, text, PSEUDONYM_CHARS);
					continue;
				}
			}
		}
		/* NULL, or empty after cleaning */
		if (!out_mask) {
			duckdb_vector_ensure_validity_writable(output);
			out_mask = duckdb_vector_get_validity(output);
		}
		out_mask[i / 64] &= ~((uint64_t)1 << (i % 64));
	}
	if (ctx.waiting) {
		flush(&ctx, output);
	}
	free(ctx.buf);
}

static const char *BACKEND = "c";

/* segprofile_hmac_backend(): which block functions this process uses ("avx512", "sha", "c"). */
static void backend_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
	(void)info;
	idx_t n = duckdb_data_chunk_get_size(input);
	const char *name = __atomic_load_n(&BACKEND, __ATOMIC_RELAXED);
	for (idx_t i = 0; i < (n ? n : 1); i++) {
		duckdb_vector_assign_string_element_len(output, i, name, strlen(name));
	}
}

/* The fastest block functions this processor has. SEGPROFILE_HMAC_BACKEND=c or =sha asks for a
 * slower one (the tests check each against the others); it applies to the whole process. */
static void choose_backend(void) {
	const char *wanted = getenv("SEGPROFILE_HMAC_BACKEND");
	compress_fn compress = compress_c;
	hmac_batch_fn batch = hmac_batch_c;
	const char *name = "c";
	(void)wanted;
#ifdef SEGPROFILE_X86
	int slower = wanted && (strcmp(wanted, "c") == 0 || strcmp(wanted, "sha") == 0);
	if (has_sha_extensions() && !(wanted && strcmp(wanted, "c") == 0)) {
		compress = compress_shani;
		batch = hmac_batch_shani;
		name = "sha";
	}
	if (has_avx512() && !slower) {
		batch = hmac_batch_avx512;
		name = "avx512";
	}
#endif
	__atomic_store_n(&COMPRESS_FN, compress, __ATOMIC_RELAXED);
	__atomic_store_n(&HMAC_BATCH_FN, batch, __ATOMIC_RELAXED);
	__atomic_store_n(&BACKEND, name, __ATOMIC_RELAXED);
}

static duckdb_state register_backend_function(duckdb_connection connection) {
	duckdb_scalar_function function = duckdb_create_scalar_function();
	duckdb_scalar_function_set_name(function, "segprofile_hmac_backend");
	duckdb_logical_type varchar = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
	duckdb_scalar_function_set_return_type(function, varchar);
	duckdb_scalar_function_set_function(function, backend_function);
	duckdb_state state = duckdb_register_scalar_function(connection, function);
	duckdb_destroy_logical_type(&varchar);
	duckdb_destroy_scalar_function(&function);
	return state;
}

DUCKDB_EXTENSION_ENTRYPOINT(duckdb_connection connection, duckdb_extension_info info,
                            struct duckdb_extension_access *access) {
	choose_backend();
	duckdb_scalar_function function = duckdb_create_scalar_function();
	duckdb_scalar_function_set_name(function, "segprofile_hmac");
	duckdb_logical_type blob = duckdb_create_logical_type(DUCKDB_TYPE_BLOB);
	duckdb_logical_type varchar = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
	duckdb_logical_type integer = duckdb_create_logical_type(DUCKDB_TYPE_INTEGER);
	duckdb_scalar_function_add_parameter(function, blob);
	duckdb_scalar_function_add_parameter(function, varchar);
	duckdb_scalar_function_add_parameter(function, integer);
	duckdb_scalar_function_add_parameter(function, varchar);
	duckdb_scalar_function_set_return_type(function, varchar);
	/* NULL values are handled here (NULL → NULL); the constant arguments are checked. */
	duckdb_scalar_function_set_special_handling(function);
	duckdb_scalar_function_set_function(function, pseudonym_function);
	duckdb_state state = duckdb_register_scalar_function(connection, function);
	duckdb_destroy_logical_type(&blob);
	duckdb_destroy_logical_type(&varchar);
	duckdb_destroy_logical_type(&integer);
	duckdb_destroy_scalar_function(&function);
	if (state != DuckDBError) {
		state = register_backend_function(connection);
	}
	if (state == DuckDBError) {
		access->set_error(info, "segprofile_hmac: the function could not be registered");
		return false;
	}
	return true;
}
