// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Command-line scheme options; see scheme_args.h.
 */
#include "config/scheme_args.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/scheme_fields.h"

const char udamos_scheme_args_help[] =
"Scheme options (each --damos_action starts a new scheme):\n"
"  --damos_action ACTION            collapse, pageout, cold, willneed, stat,\n"
"                                   hugepage or nohugepage\n"
"  --damos_sz_region MIN MAX        region size range (e.g. 2M max)\n"
"  --damos_access_rate MIN MAX      access rate range, in % (5% 100%) or raw\n"
"                                   nr_accesses counts\n"
"  --damos_age MIN MAX              age range, as time (2s max) or a count of\n"
"                                   aggregation intervals\n"
"  --damos_apply_interval TIME      how often to apply (default: every\n"
"                                   aggregation); bare numbers are us\n"
"  --damos_quotas TIME SIZE RESET [W_SZ W_RATE W_AGE]\n"
"                                   time and size quota per reset interval,\n"
"                                   and priority weights (bare times are ms)\n"
"  --damos_quota_goal METRIC TARGET [CURRENT]\n"
"                                   auto-tune the quota towards a goal:\n"
"                                   hugepage_mem_bp, user_input,\n"
"                                   some_mem_psi_us, node_mem_used_bp,\n"
"                                   node_mem_free_bp\n"
"  --damos_quota_goal_tuner consist|temporal\n"
"  --damos_wmarks METRIC INTERVAL HIGH MID LOW\n"
"                                   free_mem_rate watermarks, per thousand\n"
"  --damos_filter TYPE matching|nomatching [ARGS] [allow|reject]\n"
"                                   TYPE: addr START END, target INDEX, anon,\n"
"                                   huge, populated MIN% (of the window's\n"
"                                   pages present); the verdict defaults to\n"
"                                   reject\n"
"  --damos_apply_by auto|udamos|kernel\n"
"                                   who applies the scheme: kernel runs it in\n"
"                                   a vaddr kdamond; auto (default) does so\n"
"                                   only for hugepage and nohugepage\n"
"  --damos_collapse_scope window|table\n"
"                                   what a collapse takes: the windows its\n"
"                                   regions own (default), or also the rest\n"
"                                   of each page table it collapses in\n";

struct opt {
	const char *name;
	int min_args, max_args;
};

static const struct opt opts[] = {
	{ "--damos_action", 1, 1 },
	{ "--damos_sz_region", 2, 2 },
	{ "--damos_access_rate", 2, 2 },
	{ "--damos_age", 2, 2 },
	{ "--damos_apply_interval", 1, 1 },
	{ "--damos_quotas", 3, 6 },
	{ "--damos_quota_goal", 2, 3 },
	{ "--damos_quota_goal_tuner", 1, 1 },
	{ "--damos_wmarks", 5, 5 },
	{ "--damos_filter", 2, 5 },
	{ "--damos_apply_by", 1, 1 },
	{ "--damos_collapse_scope", 1, 1 },
};

/* Values run until the next option or the end, within the option's arity. */
static int count_values(int argc, char **argv, int at, int max)
{
	int n = 0;

	while (at + 1 + n < argc && n < max && strncmp(argv[at + 1 + n], "--", 2))
		n++;
	return n;
}

static int apply(struct udamos_scheme *s, const char *name, char **v, int n,
		 struct udamos_why w)
{
	if (!strcmp(name, "--damos_sz_region"))
		return udamos_set_sz_range(s, v[0], v[1], w);
	if (!strcmp(name, "--damos_access_rate"))
		return udamos_set_rate_range(s, v[0], v[1], w);
	if (!strcmp(name, "--damos_age"))
		return udamos_set_age_range(s, v[0], v[1], w);
	if (!strcmp(name, "--damos_apply_interval"))
		return udamos_set_apply_interval(s, v[0], w);
	if (!strcmp(name, "--damos_quotas")) {
		if (n != 3 && n != 6) {
			snprintf(w.buf, w.len, "takes TIME SIZE RESET, optionally followed by "
				 "three weights (e.g. 200ms 512M 1s 0 1 1)");
			return -EINVAL;
		}
		if (udamos_set_quota_time(s, v[0], w) || udamos_set_quota_size(s, v[1], w) ||
		    udamos_set_quota_reset(s, v[2], w))
			return -EINVAL;
		return n == 6 ? udamos_set_quota_weights(s, v[3], v[4], v[5], w) : 0;
	}
	if (!strcmp(name, "--damos_quota_goal"))
		return udamos_add_quota_goal(s, v[0], v[1], n == 3 ? v[2] : NULL, w);
	if (!strcmp(name, "--damos_apply_by"))
		return udamos_set_apply_by(s, v[0], w);
	if (!strcmp(name, "--damos_collapse_scope"))
		return udamos_set_collapse_scope(s, v[0], w);
	if (!strcmp(name, "--damos_quota_goal_tuner"))
		return udamos_set_quota_tuner(s, v[0], w);
	if (!strcmp(name, "--damos_wmarks"))
		return udamos_set_wmarks(s, v[0], v[1], v[2], v[3], v[4], w);
	if (!strcmp(name, "--damos_filter")) {
		bool matching, allow = false;
		int nargs = n - 2;

		if (!strcmp(v[1], "matching"))
			matching = true;
		else if (!strcmp(v[1], "nomatching"))
			matching = false;
		else {
			snprintf(w.buf, w.len, "'%s' must be matching or nomatching", v[1]);
			return -EINVAL;
		}
		if (nargs > 0 && (!strcmp(v[n - 1], "allow") || !strcmp(v[n - 1], "reject"))) {
			allow = !strcmp(v[n - 1], "allow");
			nargs--;
		}
		return udamos_add_filter(s, v[0], matching, (const char *const *)&v[2],
					 (size_t)nargs, allow, w);
	}
	return -EINVAL;
}

int udamos_scheme_arg(struct udamos_scheme **schemes, size_t *nr, int argc,
		      char **argv, int *i, char *why, size_t why_len)
{
	const char *name = argv[*i];
	const struct opt *o = NULL;
	struct udamos_why w;
	size_t prefix;
	int n, err;

	for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
		if (!strcmp(name, opts[k].name))
			o = &opts[k];
	if (!o)
		return 0;
	n = count_values(argc, argv, *i, o->max_args);
	if (n < o->min_args) {
		snprintf(why, why_len, "%s: needs %d value%s; see 'udamos run --help'",
			 name, o->min_args, o->min_args > 1 ? "s" : "");
		return -EINVAL;
	}
	prefix = (size_t)snprintf(why, why_len, "%s: ", name);
	w.buf = why + prefix;
	w.len = why_len - prefix;
	if (!strcmp(name, "--damos_action")) {
		struct udamos_scheme *s = udamos_schemes_push(schemes, nr, UDAMOS_ACTION_STAT);

		if (!s)
			return -ENOMEM;
		err = udamos_set_action(s, argv[*i + 1], w);
	} else if (!*nr) {
		snprintf(why, why_len, "%s: comes before any --damos_action; "
			 "give --damos_action first", name);
		return -EINVAL;
	} else {
		err = apply(&(*schemes)[*nr - 1], name, &argv[*i + 1], n, w);
	}
	if (err)
		return err;
	*i += n;
	return 1;
}
