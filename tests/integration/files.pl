#!/usr/bin/perl
# A plain HTTP file server for the integration tests, on 127.0.0.1 only:
# GET /NAME answers the file DIR/NAME (NAME of [A-Za-z0-9._-], no
# directories) as application/pdf, anything else 404; one connection at a
# time, each closed after its answer. Perl's core modules only, so nothing
# to install. Writes the port to PORTFILE once it listens.
# Usage: files.pl DIR PORTFILE
use strict;
use warnings;
use IO::Socket::INET;

my ($dir, $portfile) = @ARGV;
die "usage: files.pl DIR PORTFILE\n" unless defined $portfile;
my $srv = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1',
        LocalPort => 0,
        Listen    => 16,
        ReuseAddr => 1,
) or die "files.pl: listen: $!\n";
open(my $pf, '>', "$portfile.tmp") or die "files.pl: $portfile: $!\n";
print $pf $srv->sockport, "\n";
close($pf);
rename("$portfile.tmp", $portfile) or die "files.pl: rename: $!\n";
$| = 1;
while (my $c = $srv->accept) {
        my $req = <$c> // '';
        while (my $line = <$c>) {
                last if $line =~ /^\r?\n$/;
        }
        my ($name) = $req =~ m{^GET /([A-Za-z0-9._-]+)(?:\?\S*)? HTTP/};
        my $body;
        if (defined $name && $name !~ /^\./ && open(my $f, '<:raw', "$dir/$name")) {
                local $/;
                $body = <$f>;
                close($f);
        }
        if (defined $body) {
                print $c "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n"
                    . "Content-Length: " . length($body)
                    . "\r\nConnection: close\r\n\r\n" . $body;
        } else {
                print $c "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                    . "Connection: close\r\n\r\n";
        }
        print STDERR "files.pl: $req";
        close($c);
}
