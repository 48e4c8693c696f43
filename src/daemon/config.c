// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's config file; see config.h.  Every reason names the file and
 * the JSON path of the bad value, so that an operator reading one journal
 * line knows what to change.
 */
#include "daemon/config.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/scheme_fields.h"
#include "config/scheme_json.h"
#include "core/units.h"
#include "source/select.h"

struct parse {
	const char *file;
	char *why;
	size_t len;
};

static int bad(struct parse *p, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct parse *p, const char *field, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->why, p->len, "config %s: %s: %s", p->file, field, msg);
	return -EINVAL;
}

/* "<where>.<key>" into buf, for reasons; a path too long is cut. */
static const char *at(char *buf, size_t len, const char *where, const char *key)
{
	int n = snprintf(buf, len, "%s.%s", where, key);

	if (n < 0 || (size_t)n >= len)
		buf[len - 1] = '\0';
	return buf;
}

/* Unknown keys are refused: a misspelt key silently ignored is a policy
 * the operator did not ask for. */
static int only_keys(struct parse *p, const char *where, json_object *o,
		     const char *const *keys)
{
	if (!json_object_is_type(o, json_type_object))
		return bad(p, where, "expected an object ({...})");
	json_object_object_foreach(o, key, val) {
		size_t i = 0;

		(void)val;
		while (keys[i] && strcmp(keys[i], key))
			i++;
		if (!keys[i])
			return bad(p, where, "unknown key \"%s\"; see udamos.json(5) for the keys",
				   key);
	}
	return 0;
}

static int string_of(struct parse *p, const char *field, json_object *v, const char **out)
{
	if (!json_object_is_type(v, json_type_string) || !*json_object_get_string(v))
		return bad(p, field, "expected a non-empty string");
	*out = json_object_get_string(v);
	return 0;
}

/* An auto/on/off key of o as 0, 1 or 2 into *out, left as it is when
 * absent (udamos_parse_auto_on_off's order).  Errors name it field, or
 * key where field is NULL (a key of the root). */
static int auto_on_off_of(struct parse *p, json_object *o, const char *key, const char *field,
			  int *out)
{
	json_object *v;
	const char *s = NULL;
	int i;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	field = field ? field : key;
	if (string_of(p, field, v, &s))
		return -EINVAL;
	i = udamos_parse_auto_on_off(s);
	if (i < 0)
		return bad(p, field, "'%s': give auto, on or off", s);
	*out = i;
	return 0;
}

static int dup_string(struct parse *p, const char *field, json_object *v, char **out)
{
	const char *s = NULL;

	if (string_of(p, field, v, &s))
		return -EINVAL;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

/* A time: "2s", "500ms", or a bare number of seconds. */
static int time_of(struct parse *p, const char *field, json_object *v, uint64_t *out)
{
	const char *s = NULL;
	char num[32];

	if (json_object_is_type(v, json_type_int)) {
		snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(v));
		s = num;
	} else if (string_of(p, field, v, &s)) {
		return -EINVAL;
	}
	if (udamos_parse_time_us(s, 1000000, out) || !*out || *out == UDAMOS_UNLIMITED)
		return bad(p, field, "'%s' is not a positive time; use e.g. \"2s\" or \"500ms\"", s);
	return 0;
}

/* A size: "64M", "1GiB", or a bare number of bytes. */
static int size_of(struct parse *p, const char *field, json_object *v, uint64_t *out)
{
	const char *s = NULL;
	char num[32];

	if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0) {
		snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(v));
		s = num;
	} else if (string_of(p, field, v, &s)) {
		return -EINVAL;
	}
	if (udamos_parse_size(s, out) || *out == UDAMOS_UNLIMITED)
		return bad(p, field, "'%s' is not a size; use e.g. \"64M\" or \"1G\"", s);
	return 0;
}

struct monitoring {
	char *source;
	struct udamos_mon_attrs attrs;
	bool attrs_given;
	struct udamos_flush_cfg flush;
};

static int parse_intervals(struct parse *p, const char *field, json_object *v,
			   struct udamos_mon_attrs *a)
{
	uint64_t t[3];
	char f[96];

	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 3)
		return bad(p, field, "expected [SAMPLE, AGGR, UPDATE], e.g. [\"5ms\", \"100ms\", \"1s\"]");
	for (size_t i = 0; i < 3; i++) {
		char idx[24];

		snprintf(idx, sizeof(idx), "[%zu]", i);
		if (snprintf(f, sizeof(f), "%s%s", field, idx) >= (int)sizeof(f))
			f[sizeof(f) - 1] = '\0';
		if (time_of(p, f, json_object_array_get_idx(v, i), &t[i]))
			return -EINVAL;
	}
	if (t[0] > t[1])
		return bad(p, field, "the sampling interval exceeds the aggregation interval; "
			   "make SAMPLE <= AGGR");
	a->sample_us = t[0];
	a->aggr_us = t[1];
	a->update_us = t[2];
	return 0;
}

static int parse_nr_regions(struct parse *p, const char *field, json_object *v,
			    struct udamos_mon_attrs *a)
{
	int64_t lo, hi;

	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2 ||
	    !json_object_is_type(json_object_array_get_idx(v, 0), json_type_int) ||
	    !json_object_is_type(json_object_array_get_idx(v, 1), json_type_int))
		return bad(p, field, "expected [MIN, MAX], e.g. [10, 1000]");
	lo = json_object_get_int64(json_object_array_get_idx(v, 0));
	hi = json_object_get_int64(json_object_array_get_idx(v, 1));
	if (lo < 3 || hi < lo || hi > 1000000)
		return bad(p, field, "give MIN and MAX with 3 <= MIN <= MAX <= 1000000");
	a->min_nr_regions = (uint32_t)lo;
	a->max_nr_regions = (uint32_t)hi;
	return 0;
}

static int parse_monitoring(struct parse *p, const char *where, json_object *o,
			    struct monitoring *m)
{
	static const char *const keys[] = { "source", "intervals", "nr_regions", "tlb_flush",
		NULL };
	char field[96];
	json_object *v;
	const char *s = NULL;
	int flush;

	udamos_mon_attrs_default(&m->attrs);
	if (only_keys(p, where, o, keys))
		return -EINVAL;
	if (json_object_object_get_ex(o, "source", &v)) {
		at(field, sizeof(field), where, "source");
		if (string_of(p, field, v, &s))
			return -EINVAL;
		if (!udamos_source_spec_valid(s) || udamos_source_is_oracle(s))
			return bad(p, field, "'%s' is not a monitor the daemon can use; give auto, "
				   "vaddr, paddr or shared (the oracle is for tests)", s);
		if (!(m->source = strdup(s)))
			return -ENOMEM;
	}
	if (json_object_object_get_ex(o, "intervals", &v)) {
		at(field, sizeof(field), where, "intervals");
		if (parse_intervals(p, field, v, &m->attrs))
			return -EINVAL;
		m->attrs_given = true;
	}
	if (json_object_object_get_ex(o, "nr_regions", &v)) {
		at(field, sizeof(field), where, "nr_regions");
		if (parse_nr_regions(p, field, v, &m->attrs))
			return -EINVAL;
		m->attrs_given = true;
	}
	flush = (int)m->flush.mode;
	at(field, sizeof(field), where, "tlb_flush");
	if (auto_on_off_of(p, o, "tlb_flush", field, &flush))
		return -EINVAL;
	m->flush.mode = (enum udamos_tlb_flush)flush;
	return 0;
}

static bool same_monitoring(const struct monitoring *a, const struct monitoring *b)
{
	return !strcmp(a->source ? a->source : "auto", b->source ? b->source : "auto") &&
	       a->attrs_given == b->attrs_given &&
	       udamos_mon_attrs_same(&a->attrs, &b->attrs) && a->flush.mode == b->flush.mode;
}

/* A cgroup v2 path as /proc/PID/cgroup shows it: rooted, no "..". */
static bool cgroup_path_ok(const char *s)
{
	if (s[0] != '/' || strstr(s, "//"))
		return false;
	for (const char *c = s; (c = strstr(c, "/..")); c++)
		if (c[3] == '\0' || c[3] == '/')
			return false;
	return true;
}

static int parse_selector(struct parse *p, const char *where, json_object *o,
			  struct udamos_selector *sel)
{
	static const char *const keys[] = { "pids", "comm", "exe", "cgroup", "min_rss", NULL };
	char field[96];
	json_object *v;

	if (only_keys(p, where, o, keys))
		return -EINVAL;
	if (json_object_object_get_ex(o, "pids", &v)) {
		at(field, sizeof(field), where, "pids");
		if (!json_object_is_type(v, json_type_array) ||
		    json_object_array_length(v) > UDAMOS_DAEMON_MAX_PIDS)
			return bad(p, field, "expected a list of at most %d PIDs",
				   UDAMOS_DAEMON_MAX_PIDS);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *e = json_object_array_get_idx(v, i);
			int64_t pid = json_object_get_int64(e);

			if (!json_object_is_type(e, json_type_int) || pid <= 0 || pid > 4194304)
				return bad(p, field, "entry %zu is not a PID (a positive integer)", i);
			sel->pids[sel->nr_pids++] = (pid_t)pid;
		}
	}
	if (json_object_object_get_ex(o, "comm", &v)) {
		at(field, sizeof(field), where, "comm");
		if (dup_string(p, field, v, &sel->comm))
			return -EINVAL;
		if (strlen(sel->comm) > 64)
			return bad(p, field, "a process name is at most 15 characters; this "
				   "pattern is longer than any could need");
	}
	if (json_object_object_get_ex(o, "exe", &v)) {
		at(field, sizeof(field), where, "exe");
		if (dup_string(p, field, v, &sel->exe))
			return -EINVAL;
		if (sel->exe[0] != '/' && sel->exe[0] != '*')
			return bad(p, field, "'%s' is not an absolute path pattern; give e.g. "
				   "\"/usr/sbin/mariadbd\" or \"*/redis-server\"", sel->exe);
	}
	if (json_object_object_get_ex(o, "cgroup", &v)) {
		at(field, sizeof(field), where, "cgroup");
		if (dup_string(p, field, v, &sel->cgroup))
			return -EINVAL;
		if (!cgroup_path_ok(sel->cgroup))
			return bad(p, field, "'%s' is not a cgroup v2 path as /proc/PID/cgroup "
				   "shows it; give one rooted at / without .., e.g. "
				   "\"/system.slice/redis-server.service\"", sel->cgroup);
	}
	if (json_object_object_get_ex(o, "min_rss", &v)) {
		at(field, sizeof(field), where, "min_rss");
		if (size_of(p, field, v, &sel->min_rss))
			return -EINVAL;
	}
	if (!sel->nr_pids && !sel->comm && !sel->exe && !sel->cgroup)
		return bad(p, where, "selects nothing; give pids, comm, exe or cgroup (min_rss "
			   "alone would take every process on the machine)");
	return 0;
}

static void release_context(struct udamos_context *c)
{
	free(c->sel.comm);
	free(c->sel.exe);
	free(c->sel.cgroup);
	for (size_t i = 0; i < c->nr_schemes; i++)
		udamos_scheme_release(&c->schemes[i]);
	free(c->schemes);
	memset(c, 0, sizeof(*c));
}

static int parse_context(struct parse *p, size_t idx, json_object *o,
			 struct udamos_daemon_cfg *cfg, struct monitoring *mon, bool *mon_set)
{
	static const char *const keys[] = { "name", "targets", "monitoring", "schemes", NULL };
	struct udamos_context *c = &cfg->contexts[idx];
	char where[48], field[96], prefix[320];
	json_object *v;
	const char *s = NULL;

	snprintf(where, sizeof(where), "contexts[%zu]", idx);
	if (only_keys(p, where, o, keys))
		return -EINVAL;
	snprintf(c->name, sizeof(c->name), "context%zu", idx);
	if (json_object_object_get_ex(o, "name", &v)) {
		at(field, sizeof(field), where, "name");
		if (string_of(p, field, v, &s))
			return -EINVAL;
		if (strlen(s) >= sizeof(c->name) || strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != strlen(s))
			return bad(p, field, "'%s': use at most %zu letters, digits, '_', '-' or '.' "
				   "(it labels metrics)", s, sizeof(c->name) - 1);
		snprintf(c->name, sizeof(c->name), "%s", s);
	}
	for (size_t i = 0; i < idx; i++)
		if (!strcmp(cfg->contexts[i].name, c->name))
			return bad(p, where, "the name '%s' is taken by contexts[%zu]; names must "
				   "differ (they label metrics)", c->name, i);
	at(field, sizeof(field), where, "targets");
	if (!json_object_object_get_ex(o, "targets", &v))
		return bad(p, field, "missing; say which processes the context takes");
	if (parse_selector(p, field, v, &c->sel))
		return -EINVAL;
	if (json_object_object_get_ex(o, "monitoring", &v)) {
		struct monitoring own = { 0 };
		int err;

		at(field, sizeof(field), where, "monitoring");
		err = parse_monitoring(p, field, v, &own);
		if (!err && *mon_set && !same_monitoring(&own, mon))
			err = bad(p, field, "differs from the monitoring before it; one monitor "
				  "serves every context (one kdamond), so give them all the same");
		if (!err && !*mon_set) {
			*mon = own;
			own.source = NULL;
			*mon_set = true;
		}
		free(own.source);
		if (err)
			return err;
	}
	if (json_object_object_get_ex(o, "schemes", &v)) {
		snprintf(prefix, sizeof(prefix), "config %s: %s.", p->file, where);
		if (udamos_schemes_from_json_list(v, prefix, &c->schemes, &c->nr_schemes,
						  p->why, p->len))
			return -EINVAL;
	} else {
		struct udamos_scheme *d = udamos_schemes_push(&c->schemes, &c->nr_schemes,
							      UDAMOS_ACTION_COLLAPSE);

		if (!d)
			return -ENOMEM;
		udamos_scheme_default_collapse(d);
	}
	return 0;
}

static int parse_root(struct parse *p, json_object *root, struct udamos_daemon_cfg *cfg)
{
	static const char *const keys[] = { "contexts", "monitoring", "discovery_interval",
		"mmap_lock_budget", "bloat_budget", "collapse_warm", "churn_spacing", "collapse_hold",
		"metrics", "control_socket", NULL };
	int warm = (int)cfg->collapse_warm, spacing = (int)cfg->churn_spacing;
	int hold = (int)cfg->collapse_hold;
	struct monitoring mon = { 0 };
	bool mon_set = false;
	json_object *v, *list;
	int err = 0;

	if (only_keys(p, "the top level", root, keys))
		return -EINVAL;
	udamos_mon_attrs_default(&mon.attrs);
	if (json_object_object_get_ex(root, "monitoring", &v)) {
		if (parse_monitoring(p, "monitoring", v, &mon))
			goto out_mon;
		mon_set = true;
	}
	if (!json_object_object_get_ex(root, "contexts", &list) ||
	    !json_object_is_type(list, json_type_array) || !json_object_array_length(list)) {
		err = bad(p, "contexts", "expected a list of at least one context");
		goto out_mon;
	}
	if (json_object_array_length(list) > UDAMOS_DAEMON_MAX_CONTEXTS) {
		err = bad(p, "contexts", "more than %d contexts; merge some",
			  UDAMOS_DAEMON_MAX_CONTEXTS);
		goto out_mon;
	}
	for (size_t i = 0; !err && i < json_object_array_length(list); i++) {
		cfg->nr_contexts = i + 1;
		err = parse_context(p, i, json_object_array_get_idx(list, i), cfg, &mon, &mon_set);
	}
	if (err)
		goto out_mon;
	cfg->source = mon.source;
	mon.source = NULL;
	cfg->attrs = mon.attrs;
	cfg->attrs_given = mon.attrs_given;
	cfg->flush = mon.flush;
	cfg->discovery_us = UDAMOS_DAEMON_DEFAULT_DISCOVERY_US;
	if (json_object_object_get_ex(root, "discovery_interval", &v) &&
	    time_of(p, "discovery_interval", v, &cfg->discovery_us))
		return -EINVAL;
	if (json_object_object_get_ex(root, "mmap_lock_budget", &v) &&
	    time_of(p, "mmap_lock_budget", v, &cfg->lock_ns_per_s))
		return -EINVAL;
	cfg->lock_ns_per_s *= 1000;	/* a time per second, in ns */
	if (json_object_object_get_ex(root, "bloat_budget", &v) &&
	    size_of(p, "bloat_budget", v, &cfg->bloat_budget))
		return -EINVAL;
	if (auto_on_off_of(p, root, "collapse_warm", NULL, &warm) ||
	    auto_on_off_of(p, root, "churn_spacing", NULL, &spacing) ||
	    auto_on_off_of(p, root, "collapse_hold", NULL, &hold))
		return -EINVAL;
	cfg->collapse_warm = (enum udamos_collapse_warm)warm;
	cfg->churn_spacing = (enum udamos_churn_spacing)spacing;
	cfg->collapse_hold = (enum udamos_collapse_hold)hold;
	if (json_object_object_get_ex(root, "metrics", &v)) {
		static const char *const mkeys[] = { "textfile", NULL };
		json_object *t;

		if (only_keys(p, "metrics", v, mkeys))
			return -EINVAL;
		if (json_object_object_get_ex(v, "textfile", &t) &&
		    dup_string(p, "metrics.textfile", t, &cfg->metrics_textfile))
			return -EINVAL;
		if (cfg->metrics_textfile && (cfg->metrics_textfile[0] != '/' ||
		    strlen(cfg->metrics_textfile) < 6 ||
		    strcmp(cfg->metrics_textfile + strlen(cfg->metrics_textfile) - 5, ".prom")))
			return bad(p, "metrics.textfile", "'%s': give an absolute path ending in "
				   ".prom (node_exporter's textfile collector reads only those)",
				   cfg->metrics_textfile);
	}
	if (json_object_object_get_ex(root, "control_socket", &v)) {
		if (dup_string(p, "control_socket", v, &cfg->control_socket))
			return -EINVAL;
		if (cfg->control_socket[0] != '/' || strlen(cfg->control_socket) >= 100)
			return bad(p, "control_socket", "'%s': give an absolute path of under 100 "
				   "characters (a Unix socket's limit)", cfg->control_socket);
	} else if (!(cfg->control_socket = strdup(UDAMOS_DAEMON_DEFAULT_SOCKET))) {
		return -ENOMEM;
	}
	/* The kdamond serves every context: a scheme it applies would act on
	 * all of them (core/kscheme.c refuses those at start, too late). */
	for (size_t i = 0; cfg->nr_contexts > 1 && i < cfg->nr_contexts; i++)
		for (size_t j = 0; j < cfg->contexts[i].nr_schemes; j++)
			if (udamos_scheme_wants_kernel(&cfg->contexts[i].schemes[j]))
				return bad(p, "contexts", "contexts[%zu].schemes[%zu] is applied by "
					   "the kernel, which would apply it to every context's "
					   "targets; with several contexts, let udamos apply it", i, j);
	return 0;
out_mon:
	free(mon.source);
	return err ? err : -EINVAL;
}

int udamos_daemon_cfg_parse(const char *text, const char *path,
			    struct udamos_daemon_cfg *cfg, char *why, size_t len)
{
	struct parse p = { .file = path, .why = why, .len = len };
	enum json_tokener_error jerr;
	json_object *root;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	root = json_tokener_parse_verbose(text, &jerr);
	if (!root) {
		snprintf(why, len, "config %s: malformed JSON (%s); check brackets, commas and "
			 "quotes", path, json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	err = parse_root(&p, root, cfg);
	json_object_put(root);
	if (err) {
		if (err == -ENOMEM)
			snprintf(why, len, "config %s: out of memory", path);
		udamos_daemon_cfg_release(cfg);
		return -EINVAL;
	}
	return 0;
}

int udamos_daemon_cfg_load(const char *path, struct udamos_daemon_cfg *cfg,
			   char *why, size_t len)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t n = 0;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	if (!f) {
		snprintf(why, len, "config %s: cannot read it (%s); check the path and "
			 "permissions", path, strerror(errno));
		return -EINVAL;
	}
	text = malloc(1 << 20);
	if (text)
		n = fread(text, 1, (1 << 20) - 1, f);
	err = !text || ferror(f) || !feof(f);
	fclose(f);
	if (err) {
		snprintf(why, len, "config %s: %s", path, text ? "unreadable, or over 1 MiB" :
			 "out of memory");
		free(text);
		return -EINVAL;
	}
	text[n] = '\0';
	err = udamos_daemon_cfg_parse(text, path, cfg, why, len);
	free(text);
	return err;
}

void udamos_daemon_cfg_release(struct udamos_daemon_cfg *cfg)
{
	for (size_t i = 0; i < cfg->nr_contexts; i++)
		release_context(&cfg->contexts[i]);
	free(cfg->source);
	free(cfg->metrics_textfile);
	free(cfg->control_socket);
	memset(cfg, 0, sizeof(*cfg));
}

bool udamos_selector_needs_comm(const struct udamos_selector *sel)
{
	return sel->comm != NULL;
}

bool udamos_selector_needs_exe(const struct udamos_selector *sel)
{
	return sel->exe != NULL;
}

/* Is path at or under the cgroup dir? */
static bool in_cgroup(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		return true;
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

bool udamos_selector_match(const struct udamos_selector *sel,
			   const struct udamos_proc_facts *p)
{
	if (sel->nr_pids) {
		size_t i = 0;

		while (i < sel->nr_pids && sel->pids[i] != p->pid)
			i++;
		if (i == sel->nr_pids)
			return false;
	}
	if (sel->comm && (!p->comm || fnmatch(sel->comm, p->comm, 0)))
		return false;
	if (sel->exe && (!p->exe || fnmatch(sel->exe, p->exe, 0)))
		return false;
	if (sel->cgroup && (!p->cgroup || !in_cgroup(p->cgroup, sel->cgroup)))
		return false;
	return p->rss >= sel->min_rss;
}
