// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * JSON scheme files; see scheme_json.h.  Values may be strings with units
 * ("2M", "5%", "100ms") or plain numbers, which mean what the same bare
 * number means on the command line.
 *
 *   {"schemes": [{
 *     "action": "collapse",
 *     "access_pattern": {"sz_region": ["2M", "max"],
 *                        "access_rate": ["5%", "100%"],
 *                        "age": ["2s", "max"]},
 *     "apply_interval": "100ms",
 *     "quotas": {"time": "200ms", "size": "512M", "reset_interval": "1s",
 *                "weights": {"sz": 0, "access_rate": 1, "age": 1},
 *                "goals": [{"metric": "hugepage_mem_bp", "target": 1000}],
 *                "tuner": "consist"},
 *     "watermarks": {"metric": "free_mem_rate", "interval": "5s",
 *                    "high": 500, "mid": 400, "low": 50},
 *     "filters": [{"type": "huge", "matching": true, "allow": false}],
 *     "apply_by": "auto",
 *     "collapse_scope": "window"
 *   }]}
 */
#include "config/scheme_json.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/scheme_fields.h"

struct ctx {
	char *why;
	size_t len;
	char path[192];
	const char *prefix;	/* of every path: where the list sits */
};

static int fail(struct ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->why, c->len, "%s: %s", c->path, msg);
	return -EINVAL;
}

/* Sets c->path to "<base>.<key>" for messages. */
static void at(struct ctx *c, const char *base, const char *key)
{
	/* Paths are short in practice; a cut one still names the place. */
	int n = snprintf(c->path, sizeof(c->path), "%s.", base);

	if (n > 0 && (size_t)n < sizeof(c->path))
		snprintf(c->path + n, sizeof(c->path) - (size_t)n, "%s", key);
}

static struct udamos_why field_why(struct ctx *c)
{
	size_t used = (size_t)snprintf(c->why, c->len, "%s: ", c->path);

	return (struct udamos_why){ c->why + used, c->len - used };
}

static int check_keys(struct ctx *c, const char *base, json_object *o,
		      const char *const *allowed)
{
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(c->path, sizeof(c->path), "%s", base);
		return fail(c, "expected an object {...}");
	}
	json_object_object_foreach(o, key, val) {
		bool ok = false;

		(void)val;
		for (size_t i = 0; allowed[i]; i++)
			ok |= !strcmp(key, allowed[i]);
		if (!ok) {
			at(c, base, key);
			return fail(c, "unknown key; expected one of the documented "
				    "keys (see docs/schemes.md)");
		}
	}
	return 0;
}

static int text_of(struct ctx *c, json_object *v, const char **out)
{
	if (json_object_is_type(v, json_type_string) ||
	    json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)) {
		*out = json_object_get_string(v);
		return 0;
	}
	return fail(c, "expected a number or a string with a unit");
}

static int pair(struct ctx *c, json_object *v, const char **a, const char **b)
{
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2)
		return fail(c, "expected [MIN, MAX]");
	return text_of(c, json_object_array_get_idx(v, 0), a) ||
		text_of(c, json_object_array_get_idx(v, 1), b) ? -EINVAL : 0;
}

static int parse_pattern(struct ctx *c, const char *base, json_object *o,
			 struct udamos_scheme *s)
{
	static const char *const keys[] = { "sz_region", "access_rate", "age", NULL };
	json_object *v;
	const char *a = NULL, *b = NULL;

	if (check_keys(c, base, o, keys))
		return -EINVAL;
	if (json_object_object_get_ex(o, "sz_region", &v)) {
		at(c, base, "sz_region");
		if (pair(c, v, &a, &b) || udamos_set_sz_range(s, a, b, field_why(c)))
			return -EINVAL;
	}
	if (json_object_object_get_ex(o, "access_rate", &v)) {
		at(c, base, "access_rate");
		if (pair(c, v, &a, &b) || udamos_set_rate_range(s, a, b, field_why(c)))
			return -EINVAL;
	}
	if (json_object_object_get_ex(o, "age", &v)) {
		at(c, base, "age");
		if (pair(c, v, &a, &b) || udamos_set_age_range(s, a, b, field_why(c)))
			return -EINVAL;
	}
	return 0;
}

typedef int (*text_setter)(struct udamos_scheme *, const char *, struct udamos_why);

static int set_text(struct ctx *c, const char *base, json_object *o,
		    const char *key, struct udamos_scheme *s, text_setter set)
{
	json_object *v;
	const char *t = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	at(c, base, key);
	return text_of(c, v, &t) || set(s, t, field_why(c)) ? -EINVAL : 0;
}

static int parse_goals(struct ctx *c, const char *base, json_object *arr,
		       struct udamos_scheme *s)
{
	static const char *const keys[] = { "metric", "target", "current", NULL };
	char gbase[128];

	if (!json_object_is_type(arr, json_type_array)) {
		at(c, base, "goals");
		return fail(c, "expected a list of goals [...]");
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *g = json_object_array_get_idx(arr, i), *m, *t, *cur;
		const char *ms = NULL, *ts = NULL, *cs = NULL;

		snprintf(gbase, sizeof(gbase), "%s.goals[%zu]", base, i);
		if (check_keys(c, gbase, g, keys))
			return -EINVAL;
		snprintf(c->path, sizeof(c->path), "%s", gbase);
		if (!json_object_object_get_ex(g, "metric", &m) ||
		    !json_object_object_get_ex(g, "target", &t))
			return fail(c, "a goal needs \"metric\" and \"target\"");
		if (text_of(c, m, &ms) || text_of(c, t, &ts))
			return -EINVAL;
		if (json_object_object_get_ex(g, "current", &cur) && text_of(c, cur, &cs))
			return -EINVAL;
		if (udamos_add_quota_goal(s, ms, ts, cs, field_why(c)))
			return -EINVAL;
	}
	return 0;
}

static int parse_quotas(struct ctx *c, const char *base, json_object *o,
			struct udamos_scheme *s)
{
	static const char *const keys[] = { "time", "size", "reset_interval",
		"weights", "goals", "tuner", NULL };
	static const char *const wkeys[] = { "sz", "access_rate", "age", NULL };
	json_object *v;

	if (check_keys(c, base, o, keys) ||
	    set_text(c, base, o, "time", s, udamos_set_quota_time) ||
	    set_text(c, base, o, "size", s, udamos_set_quota_size) ||
	    set_text(c, base, o, "reset_interval", s, udamos_set_quota_reset) ||
	    set_text(c, base, o, "tuner", s, udamos_set_quota_tuner))
		return -EINVAL;
	if (json_object_object_get_ex(o, "weights", &v)) {
		char wbase[128];
		const char *t[3] = { "0", "0", "0" };
		json_object *x;

		snprintf(wbase, sizeof(wbase), "%s.weights", base);
		if (check_keys(c, wbase, v, wkeys))
			return -EINVAL;
		for (int i = 0; i < 3; i++) {
			if (!json_object_object_get_ex(v, wkeys[i], &x))
				continue;
			at(c, wbase, wkeys[i]);
			if (text_of(c, x, &t[i]))
				return -EINVAL;
		}
		snprintf(c->path, sizeof(c->path), "%s", wbase);
		if (udamos_set_quota_weights(s, t[0], t[1], t[2], field_why(c)))
			return -EINVAL;
	}
	if (json_object_object_get_ex(o, "goals", &v))
		return parse_goals(c, base, v, s);
	return 0;
}

static int parse_wmarks(struct ctx *c, const char *base, json_object *o,
			struct udamos_scheme *s)
{
	static const char *const keys[] = { "metric", "interval", "high", "mid", "low", NULL };
	const char *t[5] = { NULL };
	json_object *x;

	if (check_keys(c, base, o, keys))
		return -EINVAL;
	for (int i = 0; i < 5; i++) {
		at(c, base, keys[i]);
		if (!json_object_object_get_ex(o, keys[i], &x))
			return fail(c, "missing; watermarks need metric, interval, high, mid and low");
		if (text_of(c, x, &t[i]))
			return -EINVAL;
	}
	snprintf(c->path, sizeof(c->path), "%s", base);
	return udamos_set_wmarks(s, t[0], t[1], t[2], t[3], t[4], field_why(c));
}

static int parse_filters(struct ctx *c, const char *base, json_object *arr,
			 struct udamos_scheme *s)
{
	static const char *const keys[] = { "type", "matching", "allow", "start",
		"end", "target", "min_populated", NULL };
	char fbase[128];

	if (!json_object_is_type(arr, json_type_array)) {
		snprintf(c->path, sizeof(c->path), "%s", base);
		return fail(c, "expected a list of filters [...]");
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *f = json_object_array_get_idx(arr, i), *x;
		const char *type = NULL, *args[2] = { NULL, NULL };
		size_t nr_args = 0;
		bool matching = true, allow = false;

		snprintf(fbase, sizeof(fbase), "%s[%zu]", base, i);
		if (check_keys(c, fbase, f, keys))
			return -EINVAL;
		snprintf(c->path, sizeof(c->path), "%s", fbase);
		if (!json_object_object_get_ex(f, "type", &x))
			return fail(c, "a filter needs \"type\"");
		if (text_of(c, x, &type))
			return -EINVAL;
		if (json_object_object_get_ex(f, "matching", &x))
			matching = json_object_get_boolean(x);
		if (json_object_object_get_ex(f, "allow", &x))
			allow = json_object_get_boolean(x);
		if (json_object_object_get_ex(f, "start", &x) && !text_of(c, x, &args[0]) &&
		    json_object_object_get_ex(f, "end", &x) && !text_of(c, x, &args[1]))
			nr_args = 2;
		else if (json_object_object_get_ex(f, "target", &x) && !text_of(c, x, &args[0]))
			nr_args = 1;
		else if (json_object_object_get_ex(f, "min_populated", &x) &&
			 !text_of(c, x, &args[0]))
			nr_args = 1;
		if (udamos_add_filter(s, type, matching, args, nr_args, allow, field_why(c)))
			return -EINVAL;
	}
	return 0;
}

typedef int (*section_parser)(struct ctx *c, const char *base, json_object *o,
			      struct udamos_scheme *s);

static int parse_scheme(struct ctx *c, size_t idx, json_object *o,
			struct udamos_scheme *s)
{
	static const struct {
		const char *key;
		section_parser parse;
	} sections[] = {
		{ "access_pattern", parse_pattern },
		{ "quotas", parse_quotas },
		{ "watermarks", parse_wmarks },
		{ "filters", parse_filters },
	};
	static const char *const keys[] = { "action", "access_pattern", "apply_interval",
		"quotas", "watermarks", "filters", "apply_by", "collapse_scope", NULL };
	char base[96], sub[128];
	json_object *v;

	snprintf(base, sizeof(base), "%sschemes[%zu]", c->prefix, idx);
	if (check_keys(c, base, o, keys))
		return -EINVAL;
	if (!json_object_object_get_ex(o, "action", &v)) {
		snprintf(c->path, sizeof(c->path), "%s", base);
		return fail(c, "missing \"action\"; every scheme needs one (e.g. \"collapse\")");
	}
	if (set_text(c, base, o, "action", s, udamos_set_action) ||
	    set_text(c, base, o, "apply_interval", s, udamos_set_apply_interval) ||
	    set_text(c, base, o, "apply_by", s, udamos_set_apply_by) ||
	    set_text(c, base, o, "collapse_scope", s, udamos_set_collapse_scope))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (!json_object_object_get_ex(o, sections[i].key, &v))
			continue;
		snprintf(sub, sizeof(sub), "%s.%s", base, sections[i].key);
		if (sections[i].parse(c, sub, v, s))
			return -EINVAL;
	}
	snprintf(c->path, sizeof(c->path), "%s", base);
	{
		char reason[192];

		if (udamos_scheme_validate(s, reason, sizeof(reason)))
			return fail(c, "%s", reason);
	}
	return 0;
}

static int parse_list(struct ctx *c, json_object *list, struct udamos_scheme **schemes,
		      size_t *nr)
{
	int err = 0;

	if (!json_object_array_length(list))
		return fail(c, "no schemes; give at least one");
	for (size_t i = 0; !err && i < json_object_array_length(list); i++) {
		struct udamos_scheme *s = udamos_schemes_push(schemes, nr, UDAMOS_ACTION_STAT);

		if (!s)
			return -ENOMEM;
		err = parse_scheme(c, i, json_object_array_get_idx(list, i), s);
	}
	return err;
}

int udamos_schemes_from_json_list(json_object *list, const char *prefix,
				  struct udamos_scheme **schemes, size_t *nr,
				  char *why, size_t why_len)
{
	struct ctx c = { .why = why, .len = why_len, .prefix = prefix };

	snprintf(c.path, sizeof(c.path), "%sschemes", prefix);
	if (!json_object_is_type(list, json_type_array))
		return fail(&c, "expected a list of schemes");
	return parse_list(&c, list, schemes, nr);
}

int udamos_schemes_from_json(const char *text, struct udamos_scheme **schemes,
			     size_t *nr, char *why, size_t why_len)
{
	struct ctx c = { .why = why, .len = why_len, .path = "scheme file", .prefix = "" };
	enum json_tokener_error jerr;
	json_object *root = json_tokener_parse_verbose(text, &jerr), *list = NULL;
	int err = 0;

	if (!root) {
		snprintf(why, why_len, "malformed JSON (%s); check brackets, commas and quotes",
			 json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	if (json_object_is_type(root, json_type_array))
		list = root;
	else if (!json_object_is_type(root, json_type_object) ||
		 !json_object_object_get_ex(root, "schemes", &list) ||
		 !json_object_is_type(list, json_type_array))
		err = fail(&c, "expected {\"schemes\": [...]} or a list of schemes");
	if (!err)
		err = parse_list(&c, list, schemes, nr);
	json_object_put(root);
	return err;
}

int udamos_schemes_from_file(const char *path, struct udamos_scheme **schemes,
			     size_t *nr, char *why, size_t why_len)
{
	char reason[384], *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	FILE *mem;
	char buf[4096];
	size_t n;
	int err;

	if (!f) {
		snprintf(why, why_len, "%s: cannot read (%s); check the path and permissions",
			 path, strerror(errno));
		return -EINVAL;
	}
	mem = open_memstream(&text, &len);
	if (!mem) {
		fclose(f);
		return -ENOMEM;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	fclose(mem);
	if (err) {
		snprintf(why, why_len, "%s: read error; check the file", path);
		free(text);
		return -EINVAL;
	}
	err = udamos_schemes_from_json(text, schemes, nr, reason, sizeof(reason));
	free(text);
	if (err)
		snprintf(why, why_len, "%s: %s", path, reason);
	return err;
}
