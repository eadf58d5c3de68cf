# The chart of Benchmarks/scaling.sh: times on the left, peak memory on the
# right, both against the number of files, on log scales. gnuplot skips the
# "-" and "refused" of libvirt's missing answers.
#   gnuplot -e "data='Benchmarks/results/scaling.dat'; out='Benchmarks/results/scaling.png'" Benchmarks/scaling.gp
set terminal pngcairo size 1100,460 font "sans,10"
set output out
set datafile missing "-"
set multiplot layout 1,2 title "A dir pool of N files through the CLI, each command a process (Benchmarks/scaling.sh)"
set logscale xy
set grid
set key top left spacing 1.1
set xlabel "files in the pool"
set xrange [700:1400000]
set ylabel "seconds"
set yrange [0.001:3000]
plot data using 1:2 with linespoints lw 2 title "VirtStorage refresh, no saved table", \
     "" using 1:4 with linespoints lw 2 title "VirtStorage refresh, nothing changed", \
     "" using 1:6 with linespoints lw 2 title "VirtStorage vol-list", \
     "" using 1:8 with linespoints lw 2 title "VirtStorage vol-path", \
     "" using 1:10 with linespoints dt 2 lw 2 title "libvirt pool-refresh", \
     "" using 1:(strcol(11) eq "refused" ? NaN : $11) with linespoints dt 2 lw 2 title "libvirt vol-list (refused above 16384)", \
     "" using 1:12 with linespoints dt 2 lw 2 title "libvirt vol-path"
set ylabel "peak memory, MB"
set yrange [10:5000]
plot data using 1:($3/1024) with linespoints lw 2 title "VirtStorage refresh, no saved table", \
     "" using 1:($5/1024) with linespoints lw 2 title "VirtStorage refresh, nothing changed", \
     "" using 1:($7/1024) with linespoints lw 2 title "VirtStorage vol-list", \
     "" using 1:($13/1024) with linespoints dt 2 lw 2 title "libvirtd (its peak so far)"
unset multiplot
