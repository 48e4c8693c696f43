// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Leveled logging; see log.h.
 */
#include "sys/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connected. */
static bool to_journal(void)
{
	static int known = -1;
	unsigned long long dev, ino;
	const char *e;
	struct stat st;

	if (known < 0) {
		e = getenv("JOURNAL_STREAM");
		known = e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && !fstat(STDERR_FILENO, &st) &&
			st.st_dev == dev && st.st_ino == ino;
	}
	return known;
}

static const char *level_word(enum udamos_log_level level)
{
	switch (level) {
	case UDAMOS_LOG_ERR:
		return "error: ";
	case UDAMOS_LOG_WARNING:
		return "warning: ";
	case UDAMOS_LOG_DEBUG:
		return "debug: ";
	default:
		return "";
	}
}

static void emit(enum udamos_log_level level, const char *msg, size_t len)
{
	/* One fprintf per line, so that lines of two threads never mix. */
	if (to_journal())
		fprintf(stderr, "<%d>%.*s\n", (int)level, (int)len, msg);
	else
		fprintf(stderr, "udamos: %s%.*s\n", level_word(level), (int)len, msg);
}

void udamos_log(enum udamos_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n >= 0)
		emit(level, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

/* Lines remembered per stream; past them, new lines are still said. */
#define SAID_MAX 256

struct line_stream {
	enum udamos_log_level level;
	char buf[1024];
	size_t used;
	uint64_t said[SAID_MAX];	/* hashes of the lines said */
	size_t nr_said;
};

/* FNV-1a: a 64-bit hash is enough to tell a few hundred lines apart. */
static uint64_t line_hash(const char *m, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)m[i]) * 0x100000001b3ull;
	return h;
}

static bool said_before(struct line_stream *s, const char *m, size_t n)
{
	uint64_t h = line_hash(m, n);

	for (size_t i = 0; i < s->nr_said; i++)
		if (s->said[i] == h)
			return true;
	if (s->nr_said < SAID_MAX)
		s->said[s->nr_said++] = h;
	return false;
}

/* Emits a whole line, less the "udamos: " its writer put first, unless
 * the stream said it already. */
static void flush_line(struct line_stream *s)
{
	const char *m = s->buf;
	size_t n = s->used;

	if (n >= 8 && !memcmp(m, "udamos: ", 8)) {
		m += 8;
		n -= 8;
	}
	if (n && !said_before(s, m, n))
		emit(s->level, m, n);
	s->used = 0;
}

static ssize_t stream_write(void *cookie, const char *data, size_t len)
{
	struct line_stream *s = cookie;

	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n' || s->used == sizeof(s->buf)) {
			flush_line(s);
			if (data[i] == '\n')
				continue;
		}
		s->buf[s->used++] = data[i];
	}
	return (ssize_t)len;
}

static int stream_close(void *cookie)
{
	struct line_stream *s = cookie;

	flush_line(s);
	free(s);
	return 0;
}

FILE *udamos_log_stream(enum udamos_log_level level)
{
	struct line_stream *s = calloc(1, sizeof(*s));
	cookie_io_functions_t io = { .write = stream_write, .close = stream_close };
	FILE *f;

	if (!s)
		return NULL;
	s->level = level;
	f = fopencookie(s, "w", io);
	if (!f) {
		free(s);
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}
