/*
 * sandbox_proto: what the worker and an extraction child say to each other
 * (stages/sandbox.c is the worker's side, stages/sandbox_child.c the
 * child's). Both are the same binary, so a message is one fixed-size C
 * struct, sent whole over a SOCK_SEQPACKET socketpair: one send, one recv,
 * no framing. The bulk travels in two memfds the worker creates per child:
 * the document's bytes (the worker writes, the child maps them read-only)
 * and the reply (the child writes text and metadata, and the PNGs of the
 * pages for the vision route, the worker reads them
 * into its own buffers and checks them: the child is not trusted once it
 * has parsed a hostile file). One request at a time per child.
 *
 * The child's descriptors: 0 /dev/null, 1 /dev/null, 2 the worker's
 * stderr, SANDBOX_FD_SOCK, SANDBOX_FD_REQ, SANDBOX_FD_REP; nothing else.
 */
#ifndef DOCPIPE_SANDBOX_PROTO_H
#define DOCPIPE_SANDBOX_PROTO_H

#include <stdint.h>

#define SANDBOX_MAGIC 0x62737064u /* "dpsb" */
#define SANDBOX_VERSION 3

#define SANDBOX_FD_SOCK 3
#define SANDBOX_FD_REQ 4
#define SANDBOX_FD_REP 5

/* The hidden subcommand that runs a child: docpipe extract-child PPID
 * MEMORY REPLY (the worker's pid; RLIMIT_AS in bytes, 0 for none; the
 * largest reply, RLIMIT_FSIZE: what the child may write to its memfds). */
#define SANDBOX_CHILD_CMD "extract-child"
/* Its process name (comm, at most 15 bytes). */
#define SANDBOX_CHILD_NAME "docpipe-extract"

/* Test hooks: with DOCPIPE_SANDBOX_TEST=1 in the worker's environment (it
 * is passed to the children, nothing else of it is), a child that finds
 * SANDBOX_TEST_MARK followed by one of these words in a document's bytes
 * does that instead of parsing it: crash (SIGSEGV), abort, hang (sleeps
 * until killed), spin (burns CPU), pagehang (hangs inside page 1, under
 * the per-page watchdog), oom (allocates until limits.extract_memory),
 * probe (tries a network socket, exec, a file write, a signal to the
 * worker and a memfd, reads the environment for the worker's DOCPIPE_*
 * settings, and reports what it found as an ERR_INPUT message). A PDF comment
 * line carries it without changing the document. */
#define SANDBOX_TEST_ENV "DOCPIPE_SANDBOX_TEST"
#define SANDBOX_TEST_MARK "%DOCPIPE-SANDBOX-TEST:"

enum sandbox_msg_type {
        SANDBOX_HELLO = 1, /* child → worker: set up, ready */
        SANDBOX_REQUEST,   /* worker → child: parse the document */
        SANDBOX_REPLY,     /* child → worker: done, text in the reply fd */
        SANDBOX_NOTE,      /* child → worker, from a dying child: why */
        SANDBOX_EXIT       /* worker → child: leave (recycled) */
};

/* Why a child is dying, sent from its signal handlers. */
enum sandbox_note {
        SANDBOX_NOTE_OOM = 1, /* out of address space */
        SANDBOX_NOTE_PAGE     /* limits.extract_page_ms; msg says which */
};

/* The reply's strings, in this order in the reply memfd. */
enum sandbox_part {
        SANDBOX_TEXT,
        SANDBOX_TITLE,
        SANDBOX_AUTHOR,
        SANDBOX_SUBJECT,
        SANDBOX_CREATOR,
        SANDBOX_PRODUCER,
        SANDBOX_CREATED,
        SANDBOX_MODIFIED,
        SANDBOX_OCR, /* doc->ocr_confidence, a JSON object */
        SANDBOX_PARTS
};
#define SANDBOX_ABSENT UINT64_MAX /* a part that is NULL */

/* Page images for the vision route (ocr.vision) in one reply, at most;
 * CONFIG_VISION_MAX_PAGES is the same number. Their PNG bytes follow the
 * parts in the reply memfd, in this order. */
#define SANDBOX_IMAGES 16

/* One page image of a reply: doc_page_image without the bytes. */
struct sandbox_image {
        int32_t page, confidence;
        uint64_t text_off, text_len; /* its OCR text in SANDBOX_TEXT */
        uint64_t png_len;
};

struct sandbox_msg {
        uint32_t magic;   /* SANDBOX_MAGIC */
        uint32_t type;    /* enum sandbox_msg_type */
        uint32_t version; /* HELLO: SANDBOX_VERSION */
        uint32_t seq;     /* REQUEST, echoed by its REPLY */

        /* REQUEST: the document (len bytes in the request memfd), its
         * content type and the limits of struct config it is read with. */
        uint64_t len;
        int64_t max_bytes, max_text_bytes, max_page_text_bytes;
        int32_t max_pages;
        int32_t page_ms; /* 0: no per-page watchdog */
        int32_t cpu_s;   /* CPU seconds for this document (RLIMIT_CPU) */
        int32_t max_page_pixels; /* limits.max_page_pixels */
        char content_type[128];
        char ocr_languages[64]; /* ocr.languages */
        int32_t vision_below;   /* extract_vision_below; -1: no images */
        int32_t vision_pages;   /* ocr.vision.max_pages */
        int32_t vision_side;    /* ocr.vision.max_side */
        int64_t vision_bytes;   /* ocr.vision.max_image_bytes */

        /* REPLY: status 0 and the parts' lengths in the reply memfd, or
         * the error's class (enum err_class) and msg. NOTE: note, msg. */
        int32_t status;
        int32_t pages;
        int32_t note;
        uint64_t part_len[SANDBOX_PARTS];
        int32_t images_n; /* page images after the parts */
        struct sandbox_image images[SANDBOX_IMAGES];
        char msg[512];
};

#endif
