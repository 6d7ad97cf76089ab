#!/bin/sh
# tools/coredeps.sh TARGET SOURCE...: a make rule naming every file of the
# pure core (src/core/) that TARGET is built from: each core header the
# sources include, its .c, and so on until nothing new comes in. The
# Makefile links the .c files of that list and the libraries each of them
# names once (LIBS_name), so no test restates what it needs.
set -eu
target=$1
shift
cc=${CC:-cc}

todo="$*"
seen=""
files=""
while [ -n "$todo" ]; do
	set -- $todo
	f=$1
	shift
	todo="$*"
	case " $seen " in *" $f "*) continue ;; esac
	seen="$seen $f"
	files="$files $f"
	for h in $($cc -MM -MG -Isrc -D_GNU_SOURCE "$f" | tr -d '\\' |
	    tr ' ' '\n' | grep '^src/core/.*\.h$' || true); do
		case " $files " in *" $h "*) ;; *) files="$files $h" ;; esac
		c=${h%.h}.c
		[ -f "$c" ] && todo="$todo $c"
	done
done

echo "$target.d $target:$files"
