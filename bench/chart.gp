# gnuplot -e "datafile='rps.dat'; outfile='rps.png'" bench/chart.gp
set terminal pngcairo size 1000,500 font ",10"
set output outfile
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "requests/s (median)"
set key top right
set grid ytics
stats datafile nooutput
plot for [i=2:STATS_columns] datafile using i:xtic(1) title columnheader(i)
